//! asyncio's high-level streams: [`open_connection`], [`start_server`], [`StreamReader`],
//! [`StreamWriter`].
//!
//! `reader.rs` finds lines within a limit, as asyncio does; `read_buffer.rs` holds the bytes it
//! has read; `feed.rs` lets code push bytes into a reader with no transport; `writer.rs`
//! buffers writes and applies flow control (water marks) with a flusher task; `server.rs`
//! connects and serves; `error.rs` holds the errors that travel inside `io::Error`.

mod error;
mod feed;
mod read_buffer;
mod reader;
mod server;
mod writer;

pub use error::{IncompleteReadError, LimitOverrunError};
pub use feed::StreamFeeder;
pub use reader::{ReadExactly, ReadLine, ReadN, ReadToEnd, ReadUntil, StreamReader};
pub use server::{
    open_connection, start_server, OpenConnection, ServeForever, Server, ServerClose, StartServer,
};
pub use writer::{Close, Drain, StreamWriter, WaitClosed};
