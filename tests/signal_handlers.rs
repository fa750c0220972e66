//! asyncio's `add_signal_handler`/`remove_signal_handler` on `EventLoop` and `LoopHandle`,
//! driven by real signals sent to this process. Tests run in parallel: each uses its own
//! signal number.

mod common;

use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use baton::debug::{Exception, ExceptionKind};
use baton::signal::Signals;

const LIMIT: Duration = Duration::from_secs(30);

fn send_to_self(signal: i32) {
    // SAFETY: sending a signal to this process, which has baton's handler installed for it.
    assert_eq!(unsafe { libc::kill(libc::getpid(), signal) }, 0);
}

/// Runs `lp` until `done` holds, yielding between looks.
fn run_until(lp: &mut baton::EventLoop, done: impl Fn() -> bool) {
    lp.run_until_complete(async {
        while !done() {
            baton::sleep(Duration::from_millis(1)).await;
        }
    });
}

#[test]
fn the_callback_runs_on_the_loop_when_the_signal_arrives() {
    common::bounded(LIMIT, || {
        let mut lp = baton::EventLoop::new().unwrap();
        let calls = Rc::new(Cell::new(0));
        let seen = calls.clone();
        let thread = std::thread::current().id();
        lp.add_signal_handler(libc::SIGUSR2, move || {
            assert_eq!(std::thread::current().id(), thread, "on the loop's thread");
            seen.set(seen.get() + 1);
        })
        .unwrap();
        send_to_self(libc::SIGUSR2);
        run_until(&mut lp, || calls.get() == 1);
        send_to_self(libc::SIGUSR2);
        run_until(&mut lp, || calls.get() == 2);
    });
}

#[test]
fn remove_signal_handler_stops_delivery() {
    common::bounded(LIMIT, || {
        let mut lp = baton::EventLoop::new().unwrap();
        let calls = Rc::new(Cell::new(0));
        let seen = calls.clone();
        lp.add_signal_handler(libc::SIGHUP, move || seen.set(seen.get() + 1))
            .unwrap();
        send_to_self(libc::SIGHUP);
        run_until(&mut lp, || calls.get() == 1);

        assert!(lp.remove_signal_handler(libc::SIGHUP));
        assert!(!lp.remove_signal_handler(libc::SIGHUP), "removed once");
        lp.run_until_complete(async {
            // A listener that sees the next SIGHUP, so the test knows it has arrived.
            let mut witness = Signals::new([libc::SIGHUP]).unwrap();
            send_to_self(libc::SIGHUP);
            witness.recv().await;
            for _ in 0..10 {
                baton::yield_now().await;
            }
        });
        assert_eq!(calls.get(), 1, "a removed handler is not called");
    });
}

#[test]
fn a_new_handler_replaces_the_old_one() {
    common::bounded(LIMIT, || {
        let mut lp = baton::EventLoop::new().unwrap();
        let (old, new) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
        let o = old.clone();
        lp.add_signal_handler(libc::SIGWINCH, move || o.set(o.get() + 1))
            .unwrap();
        let n = new.clone();
        lp.add_signal_handler(libc::SIGWINCH, move || n.set(n.get() + 1))
            .unwrap();
        send_to_self(libc::SIGWINCH);
        run_until(&mut lp, || new.get() == 1);
        assert_eq!(old.get(), 0);
    });
}

#[test]
fn a_panicking_handler_is_reported_and_the_loop_and_handler_live_on() {
    common::bounded(LIMIT, || {
        let mut lp = baton::EventLoop::new().unwrap();
        let reports = Arc::new(Mutex::new(Vec::new()));
        let log = reports.clone();
        lp.set_exception_handler(move |e: &Exception| {
            log.lock().unwrap().push((e.kind.clone(), e.to_string()));
        });
        let calls = Rc::new(Cell::new(0));
        let seen = calls.clone();
        lp.add_signal_handler(libc::SIGURG, move || {
            seen.set(seen.get() + 1);
            if seen.get() == 1 {
                panic!("handler failed");
            }
        })
        .unwrap();
        send_to_self(libc::SIGURG);
        run_until(&mut lp, || calls.get() == 1);
        {
            let reports = reports.lock().unwrap();
            assert_eq!(reports.len(), 1);
            assert_eq!(
                reports[0].0,
                ExceptionKind::SignalHandlerPanic {
                    signal: libc::SIGURG
                }
            );
            assert!(reports[0].1.contains("handler failed"), "{}", reports[0].1);
        }
        // The loop runs on, and the handler is still there.
        assert_eq!(lp.run_until_complete(async { 6 * 7 }), 42);
        send_to_self(libc::SIGURG);
        run_until(&mut lp, || calls.get() == 2);
        assert_eq!(reports.lock().unwrap().len(), 1);
    });
}

#[test]
fn handlers_go_when_the_loop_closes_without_a_pending_at_close_report() {
    common::bounded(LIMIT, || {
        struct DropCount(Arc<AtomicUsize>);
        impl Drop for DropCount {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let dropped = Arc::new(AtomicUsize::new(0));
        let reports = Arc::new(AtomicUsize::new(0));
        let lp = baton::EventLoop::builder().debug(true).build().unwrap();
        let counted = reports.clone();
        lp.set_exception_handler(move |_: &Exception| {
            counted.fetch_add(1, Ordering::SeqCst);
        });
        let token = DropCount(dropped.clone());
        lp.add_signal_handler(libc::SIGXCPU, move || {
            let _ = &token;
        })
        .unwrap();
        let handle = lp.handle();
        lp.close();
        assert_eq!(dropped.load(Ordering::SeqCst), 1, "the callback is dropped");
        assert_eq!(reports.load(Ordering::SeqCst), 0, "not reported as pending");
        assert!(!handle.remove_signal_handler(libc::SIGXCPU), "nothing left");
        assert!(handle.add_signal_handler(libc::SIGXCPU, || {}).is_err());
    });
}

#[test]
fn a_handler_added_through_a_workers_handle_runs() {
    common::bounded(LIMIT, || {
        let rt = baton::Runtime::builder().workers(2).build().unwrap();
        let worker = rt.handle().worker(1);
        let (tx, rx) = std::sync::mpsc::channel();
        worker
            .add_signal_handler(libc::SIGPROF, move || {
                let _ = tx.send(());
            })
            .unwrap();
        send_to_self(libc::SIGPROF);
        rx.recv_timeout(Duration::from_secs(20)).unwrap();
        assert!(worker.remove_signal_handler(libc::SIGPROF));
    });
}

#[test]
fn forbidden_signals_are_refused() {
    let lp = baton::EventLoop::new().unwrap();
    let error = lp.add_signal_handler(libc::SIGKILL, || {}).unwrap_err();
    assert!(error.to_string().contains("SIGKILL"), "{error}");
    assert!(!lp.remove_signal_handler(libc::SIGKILL));
}
