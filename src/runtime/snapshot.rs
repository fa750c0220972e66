//! What a task dump shows of one task: read from its header (state word and trace) and the
//! side table, never by polling it, so any thread holding a reference may take it.

use std::time::Instant;

use super::diagnostics::task_info;
use super::task::{meta, state, TaskId, TaskRef};
use crate::debug::{Awaiter, TaskSnapshot, TaskState};

/// What a dump shows of `task` at `now` (its loop's clock); `worker` labels it.
pub(crate) fn snapshot(task: &TaskRef, now: Instant, worker: Option<usize>) -> TaskSnapshot {
    let header = task.header();
    let flags = header.state.load();
    let state = if flags.has(state::RUNNING) {
        TaskState::Running
    } else if flags.has(state::SCHEDULED) {
        TaskState::Ready
    } else {
        TaskState::Waiting
    };
    let spawned_at = meta::spawned_at(header);
    let awaited_by = header.trace.awaited_by().map(|by| {
        let awaiter = if by.number == 0 {
            Awaiter::MainFuture
        } else {
            Awaiter::Task(TaskId::new(by.owner, by.number))
        };
        (awaiter, by.via)
    });
    TaskSnapshot {
        task: task_info(task),
        state,
        polls: header.trace.polls(),
        age: spawned_at.map(|at| now.saturating_duration_since(at)),
        busy: spawned_at.map(|_| header.trace.busy()),
        awaited_by,
        worker,
    }
}
