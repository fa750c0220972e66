//! I/O readiness: the reactor the loop parks in.
//!
//! Only `reactor.rs` talks to mio. Today it parks the loop with a timeout and lets other threads
//! wake it; socket readiness plugs into the same `mio::Poll`.

pub(crate) mod reactor;
