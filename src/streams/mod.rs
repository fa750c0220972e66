//! asyncio's high-level streams: [`open_connection`], [`start_server`], [`StreamReader`],
//! [`StreamWriter`].
//!
//! `reader.rs` buffers reads and finds lines within a limit; `writer.rs` buffers writes and
//! applies flow control (water marks) with a flusher task; `server.rs` connects and serves;
//! `error.rs` holds the errors that travel inside `io::Error`.

mod error;
mod reader;
mod server;
mod writer;

pub use error::{IncompleteReadError, LimitOverrunError};
pub use reader::{ReadExactly, ReadLine, ReadN, ReadUntil, StreamReader};
pub use server::{
    open_connection, start_server, OpenConnection, ServeForever, Server, ServerClose, StartServer,
};
pub use writer::{Close, Drain, StreamWriter};
