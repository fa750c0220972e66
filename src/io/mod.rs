//! Readiness for any descriptor (asyncio's `add_reader`/`add_writer`): [`Async`], and the
//! [`Readiness`] future that `readable()`/`writable()` return here and on every socket. With
//! the `tokio-io` feature, `TokioCompat` (`tokio_io.rs`) turns any futures-io type into a
//! tokio-io one and back, and `Async` implements tokio's traits too.
//!
//! Underneath, the pieces sockets are built from, over the loop's reactor
//! (`runtime/driver/reactor.rs`, the only code that talks to mio): `evented.rs` pairs a
//! non-blocking descriptor with its registration; `ops.rs` holds the futures of the inherent
//! `read`/`write` methods that every stream type shares; `boxed.rs` declares the named futures
//! of the cold paths; `async_fd.rs` is `Async`, `readiness.rs` `Readiness`; `hyper_io.rs`
//! (feature `hyper`) is `HyperIo`, futures-io and hyper's I/O traits both ways, and the read
//! path into hyper's buffer that every baton stream shares.
//!
//! # Examples
//! ```
//! use std::io::{Read, Write};
//! use baton::io::Async;
//!
//! baton::run(async {
//!     let (mut a, b) = std::os::unix::net::UnixStream::pair()?;
//!     let b = Async::new(b)?;
//!     a.write_all(b"ready")?;
//!     b.readable().await?;
//!     let mut buf = [0; 5];
//!     b.read_with(|mut s| s.read(&mut buf)).await?;
//!     assert_eq!(&buf, b"ready");
//!     std::io::Result::Ok(())
//! })?;
//! # Ok::<(), std::io::Error>(())
//! ```

mod async_fd;
pub(crate) mod boxed;
pub(crate) mod evented;
#[cfg(feature = "hyper")]
pub(crate) mod hyper_io;
pub(crate) mod ops;
mod readiness;
#[cfg(feature = "tokio-io")]
mod tokio_io;

pub use async_fd::{Async, IoWith};
#[cfg(feature = "hyper")]
pub use hyper_io::HyperIo;
pub use readiness::Readiness;
#[cfg(feature = "tokio-io")]
pub use tokio_io::TokioCompat;
