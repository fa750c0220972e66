//! Time: the futures that wait on the loop's clock — `sleep`, `wait_for`/`timeout`, the
//! reschedulable `Timeout`, and the periodic `interval`. The clock and the timers themselves are the loop's time driver
//! (`runtime/driver`).

mod interval;
mod now;
mod sleep;
mod timeout;
mod timeout_handle;

pub use interval::{interval, interval_at, Interval, MissedTickBehavior, Tick};
pub use now::{advance, now};
pub use sleep::{sleep, sleep_until, Sleep};
pub use timeout::{timeout, timeout_at, wait_for, TimeoutError, WaitFor};
pub use timeout_handle::{Guarded, Timeout};
