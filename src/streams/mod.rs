//! asyncio's high-level streams: [`open_connection`], [`start_server`], [`StreamReader`],
//! [`StreamWriter`] (over TCP by default, or any [`WriteTransport`](crate::net::WriteTransport):
//! a Unix stream's write half too), [`Server`], and the named futures they return.
//!
//! `reader.rs` finds lines within a limit, as asyncio does; `read_buffer.rs` holds the bytes it
//! has read; `feed.rs` lets code push bytes into a reader with no transport; `writer/`
//! buffers writes and applies flow control (water marks) with a flusher task; `open.rs` has
//! the entry points (`open_connection`, `start_server`, `ServerOptions`); `server.rs` the
//! `Server`, its accept loop and its connections; `error.rs` holds the errors that travel
//! inside `io::Error`; `tls/` (feature `tls`) is asyncio's `ssl=`: TLS readers and writers.

mod error;
mod feed;
mod open;
mod read_buffer;
mod reader;
mod server;
#[cfg(feature = "tls")]
mod tls;
mod writer;

pub use error::{IncompleteReadError, LimitOverrunError};
pub use feed::StreamFeeder;
pub use open::{open_connection, start_server, OpenConnection, ServerOptions, StartServer};
pub use reader::{ReadExactly, ReadLine, ReadN, ReadToEnd, ReadUntil, StreamReader};
pub use server::{ServeForever, Server, ServerClose, ServerWaitClosed};
#[cfg(feature = "tls")]
pub use tls::{
    open_tls_connection, start_tls, start_tls_server, TlsServerOptions, TlsTransport,
    DEFAULT_HANDSHAKE_TIMEOUT,
};
pub use writer::{StreamWriter, WriterClose, WriterDrain, WriterWaitClosed};
