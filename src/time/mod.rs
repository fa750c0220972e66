//! Time: the loop's clock, its timers, and the futures that wait on them.

mod clock;
mod sleep;
mod timeout;
mod timeout_handle;
mod timers;

pub(crate) use clock::Clock;
pub use sleep::{sleep, sleep_until, Sleep};
pub use timeout::{timeout, timeout_at, wait_for, TimeoutError, WaitFor};
pub use timeout_handle::{Guarded, Timeout};
pub(crate) use timers::{TimerKey, Timers};
