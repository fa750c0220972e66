//! asyncio's high-level streams: [`open_connection`], [`start_server`], [`StreamReader`],
//! [`StreamWriter`] (over TCP by default, or any [`WriteTransport`](crate::net::WriteTransport):
//! a Unix stream's write half too), [`Server`], and the named futures they return.
//!
//! `reader.rs` finds lines within a limit, as asyncio does; `read_buffer.rs` holds the bytes it
//! has read; `feed.rs` lets code push bytes into a reader with no transport; `writer/`
//! buffers writes and applies flow control (water marks) with a flusher task; `open.rs` has
//! the entry points (`open_connection`, `start_server`, `ServerOptions`); `unix.rs` their Unix
//! socket forms (`open_unix_connection`, `start_unix_server`), whose socket file
//! `socket_file.rs` clears when stale and removes at close; `server.rs` the `Server`, its
//! accept loop and its connections, over any listener `listen.rs` describes (TCP or Unix);
//! `error.rs` holds the errors that travel inside `io::Error`; `tls/` (feature `tls`) is
//! asyncio's `ssl=`: TLS readers and writers.

mod connect_options;
mod error;
mod feed;
mod listen;
mod open;
mod read_buffer;
mod reader;
mod server;
mod socket_file;
#[cfg(feature = "tls")]
mod tls;
mod unix;
mod writer;

pub use error::{IncompleteReadError, LimitOverrunError};
pub use feed::StreamFeeder;
pub use open::{open_connection, start_server, OpenConnection, ServerOptions, StartServer};
pub use reader::{ReadExactly, ReadLine, ReadN, ReadToEnd, ReadUntil, StreamReader};
pub use server::{ServeForever, Server, ServerClose, ServerWaitClosed};
#[cfg(feature = "tls")]
pub use tls::{
    open_tls_connection, open_tls_unix_connection, start_tls, start_tls_server, TlsServerOptions,
    TlsTransport, DEFAULT_HANDSHAKE_TIMEOUT,
};
pub use unix::{
    open_unix_connection, start_unix_server, OpenUnixConnection, StartUnixServer, UnixServer,
    UnixStreamWriter,
};
pub use writer::{StreamWriter, WriterClose, WriterDrain, WriterSendFile, WriterWaitClosed};
