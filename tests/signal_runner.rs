//! asyncio.Runner's Ctrl-C semantics of `baton::run` and `#[baton::main]`, as a user sees them
//! from a shell: each test runs this binary again as a child process in one of the modes below,
//! sends it `SIGINT`, and reads what it printed and how it ended.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use baton::signal::ctrl_c;

/// The child's mode, set in its environment.
const MODE: &str = "BATON_TEST_SIGNAL_RUNNER_MODE";
const LIMIT: Duration = Duration::from_secs(60);

/// Prints `0` when dropped: what the main future's clean-up looks like from outside.
struct Says(&'static str);

impl Drop for Says {
    fn drop(&mut self) {
        println!("{}", self.0);
    }
}

/// The body every mode's main future runs: a guard of its own, a task with a guard, "ready",
/// then waits forever.
async fn serve() {
    let _main = Says("main future dropped");
    let _task = baton::spawn(async {
        let _task = Says("task dropped");
        std::future::pending::<()>().await;
    });
    baton::yield_now().await; // the task starts and holds its guard
    println!("ready");
    std::future::pending::<()>().await;
}

#[baton::main]
async fn macro_main() {
    serve().await;
}

#[baton::main(workers = 2)]
async fn macro_main_on_workers() {
    serve().await;
}

#[baton::main(ctrl_c = false)]
async fn macro_main_without_ctrl_c() {
    serve().await;
}

/// What a mode's child does; false if this process is not a child.
fn run_child_mode() -> bool {
    let Ok(mode) = std::env::var(MODE) else {
        return false;
    };
    match mode.as_str() {
        "run" => baton::run(serve()),
        "macro" => macro_main(),
        "workers" => macro_main_on_workers(),
        "opt_out" => macro_main_without_ctrl_c(),
        "own_ctrl_c" => baton::run(async {
            let _main = Says("main future dropped");
            let interrupted = ctrl_c();
            println!("ready");
            interrupted.await.unwrap();
            println!("the program saw Ctrl-C itself");
        }),
        "slow_cleanup" => baton::run(async {
            struct Slow;
            impl Drop for Slow {
                fn drop(&mut self) {
                    println!("cleanup started");
                    std::thread::sleep(Duration::from_secs(30));
                    println!("cleanup finished");
                }
            }
            let _slow = Slow;
            println!("ready");
            std::future::pending::<()>().await;
        }),
        "reuse" => {
            let mut runner = baton::Runner::new();
            let first = runner.run(serve());
            println!("first run: {first:?}");
            let second = runner.run(async { "the same loop" });
            println!("second run: {second:?}");
            runner.close();
            println!("closed");
        }
        "after_run" => {
            baton::run(async {});
            // SAFETY: a null new action only reads the current one into `old`.
            let handler = unsafe {
                let mut old: libc::sigaction = std::mem::zeroed();
                libc::sigaction(libc::SIGINT, std::ptr::null(), &mut old);
                old.sa_sigaction
            };
            println!("default after the run: {}", handler == libc::SIG_DFL);
            println!("ready");
            std::thread::sleep(Duration::from_secs(60));
        }
        other => panic!("unknown mode {other}"),
    }
    true
}

/// The child in `mode`, its stdout read up to the line "ready".
fn start(test: &str, mode: &str) -> (Child, BufReader<std::process::ChildStdout>) {
    let mut command = Command::new(std::env::current_exe().unwrap());
    // As a shell starts a program in the foreground: `SIGINT` at its default. (This test may
    // itself run in the background, where a shell starts programs with `SIGINT` ignored, and
    // an ignored signal stays ignored across `exec`; the runner leaves such a `SIGINT` alone.)
    // SAFETY: `signal` is async-signal-safe, as the code between `fork` and `exec` must be.
    unsafe {
        command.pre_exec(|| {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            Ok(())
        })
    };
    let mut child = command
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(MODE, mode)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    wait_for_line(&mut stdout, "ready");
    (child, stdout)
}

fn wait_for_line(stdout: &mut impl BufRead, wanted: &str) {
    let mut line = String::new();
    while !line.trim_end().ends_with(wanted) {
        line.clear();
        assert_ne!(
            stdout.read_line(&mut line).unwrap(),
            0,
            "the child ended before printing {wanted:?}"
        );
    }
}

fn interrupt(child: &Child) {
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
}

/// Interrupts the child once and returns what it printed afterwards and how it ended.
fn interrupt_and_finish(
    mut child: Child,
    mut stdout: BufReader<std::process::ChildStdout>,
) -> (String, ExitStatus) {
    interrupt(&child);
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    (rest, child.wait().unwrap())
}

fn assert_cancelled_and_died_by_sigint(rest: &str, status: ExitStatus) {
    assert!(rest.contains("main future dropped"), "{rest:?}");
    assert!(rest.contains("task dropped"), "{rest:?}");
    assert!(
        rest.find("main future dropped") < rest.find("task dropped"),
        "the main future is cancelled first, then the loop's tasks at close: {rest:?}"
    );
    assert_eq!(status.signal(), Some(libc::SIGINT), "{status:?}");
}

#[test]
fn the_first_ctrl_c_cancels_baton_runs_future_and_the_process_dies_by_sigint() {
    if run_child_mode() {
        return;
    }
    common::bounded(LIMIT, || {
        let (child, stdout) = start(
            "the_first_ctrl_c_cancels_baton_runs_future_and_the_process_dies_by_sigint",
            "run",
        );
        let (rest, status) = interrupt_and_finish(child, stdout);
        assert_cancelled_and_died_by_sigint(&rest, status);
    });
}

#[test]
fn baton_main_cancels_its_body_at_ctrl_c() {
    if run_child_mode() {
        return;
    }
    common::bounded(LIMIT, || {
        let (child, stdout) = start("baton_main_cancels_its_body_at_ctrl_c", "macro");
        let (rest, status) = interrupt_and_finish(child, stdout);
        assert_cancelled_and_died_by_sigint(&rest, status);
    });
}

#[test]
fn baton_main_on_workers_cancels_its_body_at_ctrl_c() {
    if run_child_mode() {
        return;
    }
    common::bounded(LIMIT, || {
        let (child, stdout) = start(
            "baton_main_on_workers_cancels_its_body_at_ctrl_c",
            "workers",
        );
        let (rest, status) = interrupt_and_finish(child, stdout);
        assert_cancelled_and_died_by_sigint(&rest, status);
    });
}

#[test]
fn with_ctrl_c_false_ctrl_c_ends_the_process_without_cleanup() {
    if run_child_mode() {
        return;
    }
    common::bounded(LIMIT, || {
        let (child, stdout) = start(
            "with_ctrl_c_false_ctrl_c_ends_the_process_without_cleanup",
            "opt_out",
        );
        let (rest, status) = interrupt_and_finish(child, stdout);
        assert!(!rest.contains("dropped"), "nothing is cancelled: {rest:?}");
        assert_eq!(status.signal(), Some(libc::SIGINT), "{status:?}");
    });
}

#[test]
fn a_program_listening_for_ctrl_c_gets_it_instead_of_being_cancelled() {
    if run_child_mode() {
        return;
    }
    common::bounded(LIMIT, || {
        let (child, stdout) = start(
            "a_program_listening_for_ctrl_c_gets_it_instead_of_being_cancelled",
            "own_ctrl_c",
        );
        let (rest, status) = interrupt_and_finish(child, stdout);
        let saw = rest.find("the program saw Ctrl-C itself");
        assert!(saw.is_some(), "{rest:?}");
        assert!(
            saw < rest.find("main future dropped"),
            "it ended on its own: {rest:?}"
        );
        assert!(status.success(), "{status:?}");
    });
}

#[test]
fn a_second_ctrl_c_during_cleanup_ends_the_process_at_once() {
    if run_child_mode() {
        return;
    }
    common::bounded(LIMIT, || {
        let (child, mut stdout) = start(
            "a_second_ctrl_c_during_cleanup_ends_the_process_at_once",
            "slow_cleanup",
        );
        interrupt(&child);
        wait_for_line(&mut stdout, "cleanup started");
        let (rest, status) = interrupt_and_finish(child, stdout);
        assert!(!rest.contains("cleanup finished"), "{rest:?}");
        assert_eq!(status.signal(), Some(libc::SIGINT), "{status:?}");
    });
}

#[test]
fn after_baton_run_ctrl_c_has_its_default_effect_again() {
    if run_child_mode() {
        return;
    }
    common::bounded(LIMIT, || {
        let (child, stdout) = start(
            "after_baton_run_ctrl_c_has_its_default_effect_again",
            "after_run",
        );
        let (_, status) = interrupt_and_finish(child, stdout);
        assert_eq!(status.signal(), Some(libc::SIGINT), "{status:?}");
    });
}

#[test]
fn a_sigint_the_process_ignores_is_left_alone() {
    if run_child_mode() {
        return;
    }
    common::bounded(LIMIT, || {
        let mut command = Command::new(std::env::current_exe().unwrap());
        // SAFETY: `signal` is async-signal-safe, as the code between `fork` and `exec` must be.
        unsafe {
            command.pre_exec(|| {
                libc::signal(libc::SIGINT, libc::SIG_IGN);
                Ok(())
            })
        };
        let mut child = command
            .args([
                "--exact",
                "a_sigint_the_process_ignores_is_left_alone",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(MODE, "run")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        wait_for_line(&mut stdout, "ready");
        interrupt(&child);
        // Ignored: the child serves on. A SIGTERM ends it, with nothing cancelled.
        std::thread::sleep(Duration::from_millis(100));
        assert!(child.try_wait().unwrap().is_none(), "SIGINT is ignored");
        // SAFETY: sending a signal to our own child process.
        assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
        let mut rest = String::new();
        stdout.read_to_string(&mut rest).unwrap();
        assert!(!rest.contains("dropped"), "{rest:?}");
        assert_eq!(child.wait().unwrap().signal(), Some(libc::SIGTERM));
    });
}

#[test]
fn a_runner_keeps_its_loop_after_a_ctrl_c_for_the_next_run_and_close_cancels_what_is_left() {
    if run_child_mode() {
        return;
    }
    common::bounded(LIMIT, || {
        let (child, stdout) = start(
            "a_runner_keeps_its_loop_after_a_ctrl_c_for_the_next_run_and_close_cancels_what_is_left",
            "reuse",
        );
        let (rest, status) = interrupt_and_finish(child, stdout);
        let order = [
            "main future dropped",
            "first run: Err(Interrupted(()))",
            "second run: Ok(\"the same loop\")",
            "task dropped", // the first run's task lived on the loop until close
            "closed",
        ];
        let at: Vec<_> = order.iter().map(|line| rest.find(line)).collect();
        assert!(at.iter().all(Option::is_some), "{rest:?}");
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{rest:?}");
        assert!(
            status.success(),
            "Runner::run returns the interrupt: {status:?}"
        );
    });
}
