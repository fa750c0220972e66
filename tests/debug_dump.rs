//! Task dumps: the table and the await tree a user reads, exactly, for known task trees; dumps
//! from other threads; a runtime's dump across workers and pool.

mod common;

use std::future::pending;
use std::time::Duration;

use baton::debug::{AwaitVia, Awaiter, DumpError, TaskState};
use baton::{gather, get_running_loop, spawn, yield_now, EventLoop, ReturnWhen, TaskGroup};
use common::{bounded, paused_loop};

/// Lets every task run until it waits.
async fn settle() {
    for _ in 0..10 {
        yield_now().await;
    }
}

#[test]
fn a_gather_inside_a_task_group_dumps_as_an_exact_tree() {
    let mut lp = paused_loop();
    let dump = lp.run_until_complete(async {
        let supervisor = spawn(async {
            let tg = TaskGroup::new();
            tg.spawn(async {
                let a = spawn(pending::<()>()).named("a");
                let b = spawn(pending::<()>()).named("b");
                gather(vec![a, b]).await
            })
            .named("fetch");
            tg.spawn(pending::<()>()).named("idle");
            tg.join().await
        })
        .named("supervisor");
        let observer = spawn(async {
            settle().await;
            get_running_loop().dump().unwrap()
        })
        .named("observer");
        let dump = observer.await.unwrap();
        supervisor.cancel();
        dump
    });
    assert_eq!(
        dump.tree().to_string(),
        "main future\n\
         └── Task-2 \"observer\" (running)\n\
         Task-1 \"supervisor\" (waiting)\n\
         └── TaskGroup\n    \
             ├── Task-3 \"fetch\" (waiting)\n    \
             │   └── gather\n    \
             │       ├── Task-5 \"a\" (waiting)\n    \
             │       └── Task-6 \"b\" (waiting)\n    \
             └── Task-4 \"idle\" (waiting)\n"
    );
    let fetch = &dump.tasks()[2];
    assert_eq!(fetch.task.name.as_deref(), Some("fetch"));
    assert_eq!(fetch.state, TaskState::Waiting);
    assert_eq!(fetch.polls, 1);
    let (awaiter, via) = fetch.awaited_by.unwrap();
    assert_eq!(awaiter, Awaiter::Task(dump.tasks()[0].task.id));
    assert_eq!(via, AwaitVia::TaskGroup);
    // The spawn site is the user's line, through every layer of `TaskGroup::spawn`.
    assert_eq!(fetch.task.spawned_at.file(), file!());
    // The table lists every task with its site.
    let text = dump.to_string();
    assert!(text.starts_with("6 tasks\n"), "{text}");
    assert!(text.contains("tests/debug_dump.rs:"), "{text}");
}

#[test]
fn shield_as_completed_and_wait_label_their_edges() {
    let mut lp = paused_loop();
    let dump = lp.run_until_complete(async {
        let shielding = spawn(async {
            baton::shield(pending::<()>()).await.unwrap();
        })
        .named("shielding");
        let racing = spawn(async {
            let x = spawn(pending::<u8>()).named("x");
            let y = spawn(pending::<u8>()).named("y");
            baton::as_completed(vec![x, y]).next().await;
        })
        .named("racing");
        let waiting = spawn(async {
            let z = spawn(pending::<()>()).named("z");
            baton::wait(vec![z], ReturnWhen::AllCompleted, None).await;
        })
        .named("waiting");
        settle().await;
        let dump = get_running_loop().dump().unwrap();
        for t in [shielding, racing, waiting] {
            t.cancel();
        }
        dump
    });
    assert_eq!(
        dump.tree().to_string(),
        "Task-1 \"shielding\" (waiting)\n\
         └── shield\n    \
             └── Task-4 (waiting)\n\
         Task-2 \"racing\" (waiting)\n\
         └── as_completed\n    \
             ├── Task-5 \"x\" (waiting)\n    \
             └── Task-6 \"y\" (waiting)\n\
         Task-3 \"waiting\" (waiting)\n\
         └── wait\n    \
             └── Task-7 \"z\" (waiting)\n"
    );
}

#[test]
fn a_dropped_handle_takes_its_edge_with_it_and_a_finished_task_leaves_the_dump() {
    let mut lp = paused_loop();
    lp.run_until_complete(async {
        let inner = spawn(pending::<()>()).named("inner");
        let inner_id = inner.id();
        let outer = spawn(async move { inner.await.ok() }).named("outer");
        settle().await;
        let dump = get_running_loop().dump().unwrap();
        assert!(dump.task(inner_id).unwrap().awaited_by.is_some());
        outer.cancel(); // drops `outer`'s future, and with it the handle of `inner`
        settle().await;
        let dump = get_running_loop().dump().unwrap();
        assert_eq!(dump.tasks().len(), 1, "{dump}");
        assert_eq!(dump.task(inner_id).unwrap().awaited_by, None);
        assert_eq!(dump.tree().to_string(), "Task-1 \"inner\" (waiting)\n");
    });
}

#[test]
fn a_ready_task_shows_as_ready_and_polls_are_counted() {
    let lp = EventLoop::new().unwrap();
    let t = lp.spawn(async {});
    let dump = lp.dump();
    assert_eq!(dump.task(t.id()).unwrap().state, TaskState::Ready);
    assert_eq!(dump.task(t.id()).unwrap().polls, 0);
    // Without debug mode nothing is timed.
    assert_eq!(dump.task(t.id()).unwrap().age, None);
    assert_eq!(dump.task(t.id()).unwrap().busy, None);
}

#[test]
fn debug_mode_adds_age_and_busy_time_on_the_loops_clock() {
    let mut lp = EventLoop::builder()
        .paused_clock()
        .debug(true)
        .build()
        .unwrap();
    lp.run_until_complete(async {
        let worker = spawn(async {
            baton::time::advance(Duration::from_millis(30)); // a poll that "takes" 30 ms
            pending::<()>().await
        })
        .named("worker");
        settle().await;
        baton::sleep(Duration::from_secs(5)).await;
        let dump = get_running_loop().dump().unwrap();
        let snapshot = dump.task(worker.id()).unwrap();
        assert_eq!(snapshot.busy, Some(Duration::from_millis(30)));
        assert_eq!(snapshot.age, Some(Duration::from_millis(5030)));
        worker.cancel();
    });
}

#[test]
fn another_thread_gets_a_dump_between_polls_and_clear_errors_otherwise() {
    bounded(Duration::from_secs(60), || {
        let mut lp = EventLoop::new().unwrap();
        let handle = lp.handle();
        // Not running: nobody can answer.
        assert_eq!(handle.dump().unwrap_err(), DumpError::NotRunning);
        let idle = lp.spawn(pending::<()>()).named("idle");
        let asker = handle.clone();
        let (asked, dump) = lp.run_until_complete(async move {
            // Let `idle` take its first poll, or the dump may come before it and say `Ready`.
            baton::yield_now().await;
            // Asked while the loop runs (asked before, it would rightly be `NotRunning`).
            let (answer, answered) = baton::channel::oneshot::channel();
            let asked = std::thread::spawn(move || answer.send(asker.dump()).unwrap());
            (asked, answered.await.unwrap().unwrap())
        });
        asked.join().unwrap();
        assert_eq!(dump.task(idle.id()).unwrap().state, TaskState::Waiting);
        // Closed: the loop is gone.
        lp.close();
        assert_eq!(handle.dump().unwrap_err(), DumpError::Closed);
    });
}

#[test]
fn a_blocked_loop_times_out_instead_of_hanging_the_caller() {
    bounded(Duration::from_secs(60), || {
        let mut lp = EventLoop::new().unwrap();
        let handle = lp.handle();
        let (blocked_tx, blocked_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let asker = std::thread::spawn(move || {
            blocked_rx.recv().unwrap();
            let answer = handle.dump_timeout(Duration::from_millis(50));
            release_tx.send(()).unwrap();
            answer
        });
        lp.run_until_complete(async move {
            blocked_tx.send(()).unwrap();
            // A task that blocks its thread: the loop cannot answer meanwhile.
            release_rx.recv().unwrap();
        });
        assert_eq!(asker.join().unwrap().unwrap_err(), DumpError::TimedOut);
    });
}

#[test]
fn a_runtime_dump_covers_every_worker_and_the_pool() {
    bounded(Duration::from_secs(60), || {
        let rt = baton::Runtime::builder().workers(2).build().unwrap();
        let pooled = rt.spawn(pending::<()>()).named("pooled");
        let local = rt
            .handle()
            .run_on_worker(1, || async { spawn(pending::<()>()).named("local").id() });
        let local = rt.block_on(local).unwrap();
        let dump = rt.handle().dump(Duration::from_secs(10)).unwrap();
        assert_eq!(dump.task(pooled.id()).unwrap().worker, None);
        assert_eq!(dump.task(local).unwrap().worker, Some(1));
        assert_eq!(
            dump.task(local).unwrap().task.name.as_deref(),
            Some("local")
        );
    });
}

#[test]
fn tasks_awaiting_each_other_in_a_cycle_are_still_listed() {
    let mut lp = paused_loop();
    lp.run_until_complete(async {
        let slot: std::rc::Rc<std::cell::RefCell<Option<baton::Task<()>>>> = Default::default();
        let theirs = slot.clone();
        // A awaits B, and B awaits A: a deadlock no root leads to.
        let a = spawn(async move {
            settle().await;
            let b = theirs.borrow_mut().take().unwrap();
            b.await.unwrap();
        })
        .named("a");
        let b = spawn(async move {
            a.await.unwrap();
        })
        .named("b");
        *slot.borrow_mut() = Some(b);
        settle().await;
        settle().await;
        let dump = get_running_loop().dump().unwrap();
        assert_eq!(
            dump.tree().to_string(),
            "Task-1 \"a\" (waiting) (awaits in a cycle)\n\
             └── Task-2 \"b\" (waiting)\n\
             \x20   └── Task-1 \"a\" (waiting)\n"
        );
    });
}
