// `#[baton::main]`: an async `main` that runs on a new event loop, with `?` for errors.
// An echo server and one client on the same loop (`cargo run --example macro_main`).
use baton::{open_connection, start_server, StreamReader, StreamWriter};
use std::error::Error;

/// Sends each line back until the client closes.
async fn echo(mut reader: StreamReader, mut writer: StreamWriter) {
    while let Ok(line) = reader.readline().await {
        if line.is_empty() {
            break;
        }
        writer.write(&line);
        if writer.drain().await.is_err() {
            break;
        }
    }
}

#[baton::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let server = start_server(echo, "127.0.0.1:0").await?;
    let (mut reader, mut writer) = open_connection(server.local_addr()?).await?;
    for word in ["hello", "baton"] {
        writer.write(format!("{word}\n").as_bytes());
        writer.drain().await?;
        let line = reader.readline().await?;
        print!("echoed: {}", String::from_utf8(line)?);
    }
    writer.close().await?;
    server.close().await;
    Ok(())
}
