//! I/O readiness: the reactor the loop parks in, and the pieces sockets are built from.
//!
//! Only `reactor.rs` talks to mio. `evented.rs` pairs a non-blocking descriptor with its
//! registration; `ops.rs` holds the futures of the inherent `read`/`write` methods that every
//! stream type shares; `boxed.rs` declares the named futures of the cold paths.

pub(crate) mod boxed;
pub(crate) mod evented;
pub(crate) mod ops;
pub(crate) mod reactor;
