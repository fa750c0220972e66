//! Combinators over futures: asyncio's ways of running several awaitables at
//! once.
//!
//! Each child gets its own waker (see `wake_set`), so a wake-up polls only the
//! child that was woken.

#[cfg(test)]
mod test_util;
mod wake_set;
