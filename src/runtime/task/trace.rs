//! What a task dump reads of a task besides its state: where it was spawned, who awaits it, how
//! often it ran and (in debug mode) for how long. Kept in the header's last 24 bytes, behind the
//! fields the scheduler touches on every wake, so the hot part of the header is unchanged; every
//! field is written by one thread at a time and read by a dump with relaxed loads.

use std::panic::Location;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use crate::awaits::AwaitVia;

/// A task's trace, in its header.
pub(crate) struct Trace {
    /// Where the task was spawned (the caller of `spawn`, through `#[track_caller]`).
    pub(crate) site: &'static Location<'static>,
    /// Who awaits the task, packed: the label's code (bits 56..64; 0 for nobody), the awaiter's
    /// loop number (24 bits) and its task number (32 bits; 0 for the loop's main future).
    awaited_by: AtomicU64,
    /// How many times the task was polled (wrapping). Written only by the thread running it.
    polls: AtomicU32,
    /// Time spent in its polls, in microseconds, saturating at about 71 minutes. Measured in
    /// debug mode only (a clock read per poll costs what a whole poll of a small task does).
    busy_micros: AtomicU32,
}

/// Who awaits a task, as its trace recorded it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AwaitedBy {
    /// The awaiter's loop number, in its low 24 bits.
    pub(crate) owner: u32,
    /// The awaiter's task number; 0 for the loop's main future (`run_until_complete`'s).
    pub(crate) number: u32,
    pub(crate) via: AwaitVia,
}

const OWNER_BITS: u32 = 24;
const OWNER_MASK: u32 = (1 << OWNER_BITS) - 1;

impl Trace {
    pub(crate) fn new(site: &'static Location<'static>) -> Trace {
        Trace {
            site,
            awaited_by: AtomicU64::new(0),
            polls: AtomicU32::new(0),
            busy_micros: AtomicU32::new(0),
        }
    }

    /// Counts one poll, and its duration if it was measured. Only the thread running the task
    /// calls this, so a load and a store suffice.
    #[inline]
    pub(crate) fn record_poll(&self, busy: Option<Duration>) {
        let polls = self.polls.load(Ordering::Relaxed);
        self.polls.store(polls.wrapping_add(1), Ordering::Relaxed);
        if let Some(busy) = busy {
            let micros = u32::try_from(busy.as_micros()).unwrap_or(u32::MAX);
            let total = self.busy_micros.load(Ordering::Relaxed);
            self.busy_micros
                .store(total.saturating_add(micros), Ordering::Relaxed);
        }
    }

    pub(crate) fn polls(&self) -> u32 {
        self.polls.load(Ordering::Relaxed)
    }

    pub(crate) fn busy(&self) -> Duration {
        Duration::from_micros(u64::from(self.busy_micros.load(Ordering::Relaxed)))
    }

    /// Records who awaits the task now (the handle's poll stayed pending).
    #[inline]
    pub(crate) fn set_awaited_by(&self, by: AwaitedBy) {
        let packed = u64::from(by.via.code()) << 56
            | u64::from(by.owner & OWNER_MASK) << 32
            | u64::from(by.number);
        self.awaited_by.store(packed, Ordering::Relaxed);
    }

    /// Forgets the awaiter (its handle went away).
    pub(crate) fn clear_awaited_by(&self) {
        self.awaited_by.store(0, Ordering::Relaxed);
    }

    /// The task's handle is dropped: nobody awaits it any more — except its `TaskGroup`'s
    /// parent, which awaits the group's children whether or not their handles are kept.
    #[inline]
    pub(crate) fn handle_dropped(&self) {
        let packed = self.awaited_by.load(Ordering::Relaxed);
        if packed != 0 && (packed >> 56) as u8 != AwaitVia::TaskGroup.code() {
            self.clear_awaited_by();
        }
    }

    pub(crate) fn awaited_by(&self) -> Option<AwaitedBy> {
        let packed = self.awaited_by.load(Ordering::Relaxed);
        let via = AwaitVia::from_code((packed >> 56) as u8)?;
        Some(AwaitedBy {
            owner: (packed >> 32) as u32 & OWNER_MASK,
            number: packed as u32,
            via,
        })
    }
}

/// A loop number as an await edge keeps it (its low 24 bits), to compare with an edge's `owner`.
pub(crate) fn edge_owner(owner: u32) -> u32 {
    owner & OWNER_MASK
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edge_round_trips_through_its_packing() {
        let trace = Trace::new(Location::caller());
        assert_eq!(trace.awaited_by(), None);
        let by = AwaitedBy {
            owner: 7,
            number: u32::MAX,
            via: AwaitVia::Gather,
        };
        trace.set_awaited_by(by);
        assert_eq!(trace.awaited_by(), Some(by));
        trace.clear_awaited_by();
        assert_eq!(trace.awaited_by(), None);
    }

    #[test]
    fn polls_count_and_busy_time_saturates() {
        let trace = Trace::new(Location::caller());
        trace.record_poll(None);
        trace.record_poll(Some(Duration::from_micros(5)));
        assert_eq!(trace.polls(), 2);
        assert_eq!(trace.busy(), Duration::from_micros(5));
        trace.record_poll(Some(Duration::from_secs(1 << 40)));
        assert_eq!(trace.busy(), Duration::from_micros(u64::from(u32::MAX)));
    }
}
