//! What the loop parks in: the clock and timers (time) and the reactor (I/O, and the unparker
//! other threads use to wake a parked loop).

pub(crate) mod clock;
pub(crate) mod reactor;
pub(crate) mod timers;

pub(crate) use clock::Clock;
pub(crate) use timers::{TimerKey, Timers};
