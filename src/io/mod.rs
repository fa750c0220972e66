//! The pieces sockets are built from, over the loop's reactor (`runtime/driver/reactor.rs`, the
//! only code that talks to mio): `evented.rs` pairs a non-blocking descriptor with its
//! registration; `ops.rs` holds the futures of the inherent `read`/`write` methods that every
//! stream type shares; `boxed.rs` declares the named futures of the cold paths.

pub(crate) mod boxed;
pub(crate) mod evented;
pub(crate) mod ops;
