//! The paused clock's time, shared by every loop that reads it (the workers of a `Runtime`
//! started with a paused clock; a lone `EventLoop` has its own): time jumps to the next timer
//! only when **every** loop sharing it is idle, so a worker waiting on a timeout cannot jump
//! past work another worker is still doing.
//!
//! Each loop joins once (`join`, from `Driver::new`) and reports going idle (`go_idle`, with
//! its next deadline) and busy again (`go_busy`). The last loop to go idle moves time to the
//! earliest deadline among them and unparks the loops whose timers are now due.

use std::sync::atomic::{AtomicU64, Ordering};

use super::reactor::Unparker;
use crate::util::Mutex;

pub(crate) struct PausedTime {
    /// Ticks elapsed since the clocks' origin.
    elapsed: AtomicU64,
    loops: Mutex<Vec<Member>>,
}

struct Member {
    unparker: Unparker,
    state: MemberState,
}

#[derive(Clone, Copy)]
enum MemberState {
    Busy,
    /// Idle until its next timer (`None`: it has none; it waits for I/O or other loops).
    Idle(Option<u64>),
}

/// What a loop going idle does next.
pub(crate) enum GoneIdle {
    /// Its own timer is due now: fire it, do not wait.
    TimerDue,
    /// Wait for an event or an unpark (another loop's work, or the jump to this loop's timer).
    Wait,
}

impl PausedTime {
    pub(crate) fn new() -> PausedTime {
        PausedTime {
            elapsed: AtomicU64::new(0),
            loops: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn elapsed(&self) -> u64 {
        self.elapsed.load(Ordering::Acquire)
    }

    /// Moves time forward to `ticks` (never backwards).
    pub(crate) fn advance_to(&self, ticks: u64) {
        self.elapsed.fetch_max(ticks, Ordering::AcqRel);
    }

    /// A loop starts reading this time, busy; returns its member number.
    pub(crate) fn join(&self, unparker: Unparker) -> usize {
        let mut loops = self.loops.lock();
        loops.push(Member {
            unparker,
            state: MemberState::Busy,
        });
        loops.len() - 1
    }

    /// A loop ended: it no longer holds time back.
    pub(crate) fn leave(&self, member: usize) {
        self.loops.lock()[member].state = MemberState::Idle(None);
    }

    /// Loop `member` has nothing to run and its next timer at `next` (if any). If every loop
    /// is now idle, time jumps to the earliest deadline and the loops whose timers are due are
    /// unparked.
    pub(crate) fn go_idle(&self, member: usize, next: Option<u64>) -> GoneIdle {
        let mut loops = self.loops.lock();
        loops[member].state = MemberState::Idle(next);
        let mut earliest: Option<u64> = None;
        for other in loops.iter() {
            match other.state {
                MemberState::Busy => return GoneIdle::Wait, // time stands still meanwhile
                MemberState::Idle(None) => {}
                MemberState::Idle(Some(until)) => {
                    earliest = Some(earliest.map_or(until, |e| e.min(until)));
                }
            }
        }
        let Some(earliest) = earliest else {
            return GoneIdle::Wait; // every loop waits for I/O: nothing to jump to
        };
        self.advance_to(earliest);
        let now = self.elapsed();
        let is_due = |state: MemberState| matches!(state, MemberState::Idle(Some(d)) if d <= now);
        let due: Vec<Unparker> = loops
            .iter()
            .enumerate()
            .filter(|&(i, other)| i != member && is_due(other.state))
            .map(|(_, other)| other.unparker.clone())
            .collect();
        drop(loops);
        for unparker in due {
            unparker.unpark();
        }
        if next.is_some_and(|deadline| deadline <= now) {
            GoneIdle::TimerDue
        } else {
            GoneIdle::Wait
        }
    }

    /// Loop `member` has work again.
    pub(crate) fn go_busy(&self, member: usize) {
        self.loops.lock()[member].state = MemberState::Busy;
    }
}
