//! How TLS failures travel: inside `io::Error`, like every other stream error.
//!
//! A rustls error (a bad certificate, a corrupt record, an alert from the peer) becomes an
//! `io::Error` of kind `InvalidData` whose inner error *is* the `rustls::Error`, so its message
//! names the cause ("invalid peer certificate: UnknownIssuer") and code may downcast it.

use std::io;

/// A rustls error as an `io::Error` (`InvalidData`, the `rustls::Error` inside).
pub(super) fn tls_error(e: rustls::Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

/// The peer closed the stream before the handshake finished.
pub(super) fn eof_in_handshake() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the peer closed the connection during the TLS handshake",
    )
}
