//! The loop's clock: real time, or a paused clock that jumps to the next timer when idle.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use super::paused_time::PausedTime;

/// A process-wide instant no clock's origin precedes (every `Clock::new` reads it first), so
/// an `Instant` can be kept compactly as nanoseconds after it (`sleep_until`'s unpolled state).
pub(crate) fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// A loop's notion of now. Timers are kept in ticks: nanoseconds since `origin`.
///
/// The workers of a `Runtime` share one origin, so a deadline in ticks means the same instant
/// on every worker (a `Send` task's `Sleep` may move), and, when paused, one
/// [`PausedTime`]: time jumps only when every worker is idle.
pub(crate) struct Clock {
    origin: Instant,
    /// `Some` when paused: time moves only by `advance_to_ticks`.
    paused: Option<Arc<PausedTime>>,
}

impl Clock {
    pub(crate) fn new(paused: bool) -> Clock {
        Clock::shared(&ClockSource::new(paused))
    }

    /// A clock reading `source`'s origin and, if paused, its elapsed count.
    pub(crate) fn shared(source: &ClockSource) -> Clock {
        Clock {
            origin: source.origin,
            paused: source.paused.clone(),
        }
    }

    pub(crate) fn is_paused(&self) -> bool {
        self.paused.is_some()
    }

    /// The paused time this clock reads, if it is paused.
    pub(crate) fn paused(&self) -> Option<&Arc<PausedTime>> {
        self.paused.as_ref()
    }

    pub(crate) fn now(&self) -> Instant {
        match &self.paused {
            Some(paused) => self.origin + Duration::from_nanos(paused.elapsed()),
            None => Instant::now(),
        }
    }

    pub(crate) fn now_ticks(&self) -> u64 {
        match &self.paused {
            Some(paused) => paused.elapsed(),
            None => self.ticks_at(Instant::now()),
        }
    }

    /// Ticks at `instant`: 0 for instants before the origin, saturating far in the future.
    pub(crate) fn ticks_at(&self, instant: Instant) -> u64 {
        let nanos = instant.saturating_duration_since(self.origin).as_nanos();
        u64::try_from(nanos).unwrap_or(u64::MAX)
    }
}

/// What the clocks of one runtime share: the origin, and the elapsed time when paused.
#[derive(Clone)]
pub(crate) struct ClockSource {
    origin: Instant,
    paused: Option<Arc<PausedTime>>,
}

impl ClockSource {
    pub(crate) fn new(paused: bool) -> ClockSource {
        epoch();
        ClockSource {
            origin: Instant::now(),
            paused: paused.then(|| Arc::new(PausedTime::new())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paused_clock_moves_only_when_advanced() {
        let clock = Clock::new(true);
        let start = clock.now();
        assert_eq!(clock.now(), start);
        clock.paused().unwrap().advance_to(3_600_000_000_000);
        assert_eq!(clock.now() - start, Duration::from_secs(3600));
        clock.paused().unwrap().advance_to(5); // never backwards
        assert_eq!(clock.now() - start, Duration::from_secs(3600));
    }

    #[test]
    fn ticks_saturate() {
        let clock = Clock::new(true);
        clock.paused().unwrap().advance_to(u64::MAX);
        assert_eq!(clock.now_ticks(), u64::MAX);
        assert_eq!(clock.ticks_at(clock.origin - Duration::from_secs(1)), 0);
    }
}
