//! The opt-in `SIGUSR1` dump, as a user runs it against a live process: the test runs itself
//! as a child process that serves a loop, signals it, and reads the dump from its stderr.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Set in the child process.
const CHILD: &str = "BATON_TEST_DUMP_SIGNAL_CHILD";

#[test]
fn sigusr1_prints_every_loops_tasks_to_stderr() {
    if std::env::var_os(CHILD).is_some() {
        return serve_until_stdin_closes();
    }
    common::bounded(Duration::from_secs(120), || {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "sigusr1_prints_every_loops_tasks_to_stderr",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        while !line.contains("serving") {
            line.clear();
            assert_ne!(
                stdout.read_line(&mut line).unwrap(),
                0,
                "the child ended early"
            );
        }
        // SAFETY: sending a signal to our own child process.
        assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGUSR1) }, 0);
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut seen = String::new();
        while !seen.contains("\"sleeper\"") {
            let mut line = String::new();
            assert_ne!(
                stderr.read_line(&mut line).unwrap(),
                0,
                "no dump came: {seen}"
            );
            seen.push_str(&line);
        }
        // Closing its stdin ends the child.
        drop(child.stdin.take());
        let mut rest = String::new();
        stderr.read_to_string(&mut rest).unwrap();
        let mut out = String::new();
        stdout.read_to_string(&mut out).unwrap();
        assert!(out.contains("the program heard SIGUSR1 too"), "{out}");
        assert!(child.wait().unwrap().success(), "{seen}{rest}");
        assert!(seen.contains("baton: task dump (SIGUSR1)"), "{seen}");
        assert!(
            seen.contains("tests/debug_signal.rs:"),
            "the spawn site: {seen}"
        );
    });
}

/// The child: a loop with a named task, serving until its stdin closes.
fn serve_until_stdin_closes() {
    let mut lp = baton::EventLoop::builder()
        .dump_on_signal()
        .build()
        .unwrap();
    let sleeper = lp.spawn(std::future::pending::<()>()).named("sleeper");
    // The program's own listener of SIGUSR1 shares the signal with the dump.
    let mut own = baton::signal::Signals::new([libc::SIGUSR1]).unwrap();
    let heard = lp.spawn(async move {
        own.recv().await;
        println!("the program heard SIGUSR1 too");
    });
    lp.run_until_complete(baton::to_thread(|| {
        println!("serving");
        std::io::stdout().flush().unwrap();
        let mut rest = String::new();
        let _ = std::io::stdin().read_to_string(&mut rest);
    }));
    sleeper.cancel();
    lp.run_until_complete(heard).unwrap();
}
