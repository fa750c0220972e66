//! `baton::signal`: real signals sent to this process reach `Signals`, `ctrl_c` and (in
//! `signal_handlers.rs`) the loop's signal handlers, on every loop and worker that listens.
//!
//! The tests of this file run in parallel in one process, and a signal is process-wide: each
//! test uses a signal number of its own.

mod common;

use std::sync::{Arc, Barrier};
use std::time::Duration;

use baton::signal::{ctrl_c, Signal, Signals};

const LIMIT: Duration = Duration::from_secs(30);

fn send_to_self(signal: i32) {
    // SAFETY: sending a signal to this process, which has baton's handler installed for it.
    assert_eq!(unsafe { libc::kill(libc::getpid(), signal) }, 0);
}

/// Sends `signal` to the calling thread: unlike `kill`, whose signal any thread may take later,
/// its handler has run when this returns.
fn send_to_this_thread(signal: i32) {
    // SAFETY: signalling the calling thread, which has baton's handler installed for `signal`.
    assert_eq!(
        unsafe { libc::pthread_kill(libc::pthread_self(), signal) },
        0
    );
}

#[test]
fn a_signal_sent_to_the_process_reaches_a_signals_stream() {
    common::bounded(LIMIT, || {
        baton::EventLoop::new().unwrap().run_until_complete(async {
            let mut signals = Signals::new([Signal::USR2]).unwrap();
            send_to_self(Signal::USR2);
            assert_eq!(signals.recv().await, Some(Signal::USR2));
        });
    });
}

#[test]
fn ctrl_c_resolves_at_sigint() {
    common::bounded(LIMIT, || {
        baton::EventLoop::new().unwrap().run_until_complete(async {
            let interrupted = ctrl_c();
            send_to_self(libc::SIGINT);
            interrupted.await.unwrap();
        });
    });
}

#[test]
fn arrivals_before_a_poll_coalesce_and_later_ones_are_delivered_again() {
    common::bounded(LIMIT, || {
        baton::EventLoop::new().unwrap().run_until_complete(async {
            let mut signals = Signals::new([libc::SIGURG]).unwrap();
            // Both handlers must have run before the first poll, so the arrivals go to this
            // thread: with `kill`, another thread could take the second after the loop drained.
            send_to_this_thread(libc::SIGURG);
            send_to_this_thread(libc::SIGURG);
            assert_eq!(signals.recv().await, Some(libc::SIGURG));
            let again = baton::time::timeout(Duration::from_millis(50), signals.recv()).await;
            assert!(
                again.is_err(),
                "two arrivals before a poll are one delivery"
            );
            send_to_this_thread(libc::SIGURG);
            assert_eq!(signals.recv().await, Some(libc::SIGURG));
        });
    });
}

#[test]
fn two_loops_on_two_threads_both_see_one_signal() {
    common::bounded(LIMIT, || {
        let ready = Arc::new(Barrier::new(3));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let ready = ready.clone();
                std::thread::spawn(move || {
                    let mut lp = baton::EventLoop::new().unwrap();
                    lp.run_until_complete(async {
                        let mut signals = Signals::new([Signal::HUP]).unwrap();
                        ready.wait(); // blocks this loop only until the signal is sent
                        signals.recv().await
                    })
                })
            })
            .collect();
        ready.wait();
        send_to_self(Signal::HUP);
        for thread in threads {
            assert_eq!(thread.join().unwrap(), Some(Signal::HUP));
        }
    });
}

#[test]
fn a_runtime_worker_sees_a_signal() {
    common::bounded(LIMIT, || {
        let rt = baton::Runtime::builder().workers(2).build().unwrap();
        let got = rt.block_on(rt.handle().run_on_worker(1, || async {
            let mut signals = Signals::new([libc::SIGPROF]).unwrap();
            // Wait in the worker's reactor first, then signal from another thread.
            let sender = std::thread::spawn(|| {
                std::thread::sleep(Duration::from_millis(20));
                send_to_self(libc::SIGPROF);
            });
            let got = signals.recv().await;
            sender.join().unwrap();
            got
        }));
        assert_eq!(got.unwrap(), Some(libc::SIGPROF));
    });
}

#[test]
fn a_signal_wakes_a_parked_loop_and_a_send_task_moving_between_workers() {
    common::bounded(LIMIT, || {
        let rt = baton::Runtime::builder().workers(2).build().unwrap();
        let task = rt.spawn(async {
            let mut signals = Signals::new([libc::SIGVTALRM]).unwrap();
            signals.recv().await
        });
        std::thread::sleep(Duration::from_millis(50)); // let a worker park with it pending
        send_to_self(libc::SIGVTALRM);
        assert_eq!(rt.block_on(task).unwrap(), Some(libc::SIGVTALRM));
    });
}

#[test]
fn forbidden_signals_are_refused_with_their_name() {
    for (signal, name) in [
        (libc::SIGKILL, "SIGKILL"),
        (libc::SIGSTOP, "SIGSTOP"),
        (libc::SIGSEGV, "SIGSEGV"),
        (libc::SIGBUS, "SIGBUS"),
        (libc::SIGILL, "SIGILL"),
        (libc::SIGFPE, "SIGFPE"),
    ] {
        let error = Signals::new([signal]).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
        assert!(error.to_string().contains(name), "{error}");
    }
    let error = Signals::new([0]).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert!(Signals::new([1000]).is_err());
}

#[test]
fn signals_is_a_stream() {
    use futures_core::Stream;
    use std::pin::Pin;

    common::bounded(LIMIT, || {
        baton::EventLoop::new().unwrap().run_until_complete(async {
            let mut signals = Signals::new([libc::SIGXCPU]).unwrap();
            send_to_self(libc::SIGXCPU);
            let next = std::future::poll_fn(|cx| Pin::new(&mut signals).poll_next(cx)).await;
            assert_eq!(next, Some(libc::SIGXCPU));
        });
    });
}
