//! baton
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(
    clippy::undocumented_unsafe_blocks,
    missing_docs,
    missing_debug_implementations
)]
#![doc(test(attr(deny(warnings))))]

mod combinators;

pub use combinators::{as_completed, gather, AsCompleted, Gather, GatherTuple, Next};
