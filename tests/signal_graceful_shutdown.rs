//! `examples/graceful_shutdown.rs` as its user sees it: the built example serves a slow request,
//! gets `SIGINT` while the request is in flight, refuses new connections, still answers the
//! request in full, says it drained, and exits 0.
#![cfg(feature = "hyper")]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

/// The example's binary: `cargo test` builds examples beside the test binaries
/// (`target/<profile>/examples/`); when only this test was asked for, it is built here.
fn example_binary() -> PathBuf {
    let test_binary = std::env::current_exe().unwrap();
    let profile_dir = test_binary.parent().unwrap().parent().unwrap();
    let binary = profile_dir.join("examples").join("graceful_shutdown");
    if !binary.exists() {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut build = Command::new(cargo);
        build.current_dir(env!("CARGO_MANIFEST_DIR")).args([
            "build",
            "--features",
            "hyper",
            "--example",
            "graceful_shutdown",
        ]);
        if profile_dir
            .file_name()
            .is_some_and(|name| name == "release")
        {
            build.arg("--release");
        }
        assert!(
            build.status().unwrap().success(),
            "building the example failed"
        );
    }
    binary
}

fn read_line(stdout: &mut BufReader<ChildStdout>) -> String {
    let mut line = String::new();
    assert_ne!(
        stdout.read_line(&mut line).unwrap(),
        0,
        "the example ended early"
    );
    line
}

/// The example, started on a free port, with a slow request in flight: the server, its
/// stdout, its address and the client's connection.
fn serving_a_slow_request() -> (Child, BufReader<ChildStdout>, String, TcpStream) {
    let mut command = Command::new(example_binary());
    // As a shell starts it in the foreground: `SIGINT` at its default, even if this test
    // runs in the background (where it would be ignored, and stay so across `exec`).
    // SAFETY: `signal` is async-signal-safe, as the code between `fork` and `exec` must be.
    unsafe {
        command.pre_exec(|| {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            Ok(())
        })
    };
    let mut server = command
        .arg("127.0.0.1:0")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(server.stdout.take().unwrap());
    let listening = read_line(&mut stdout);
    let addr = listening
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("{listening:?}"))
        .to_owned();

    let mut client = TcpStream::connect(&addr).unwrap();
    client
        .write_all(b"GET /slow HTTP/1.1\r\nHost: test\r\n\r\n")
        .unwrap();
    assert_eq!(read_line(&mut stdout), "serving /slow\n");
    (server, stdout, addr, client)
}

fn interrupt(server: &Child) {
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(server.id() as i32, libc::SIGINT) }, 0);
}

#[test]
fn sigint_drains_the_request_in_flight_and_exits_zero() {
    common::bounded(Duration::from_secs(300), || {
        let (mut server, mut stdout, addr, mut client) = serving_a_slow_request();
        interrupt(&server);
        assert_eq!(
            read_line(&mut stdout),
            "stopped accepting; draining 1 connection(s)\n"
        );
        let refused = TcpStream::connect(&addr).unwrap_err();
        assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);

        let mut response = String::new();
        client.read_to_string(&mut response).unwrap(); // the server closes after it
        assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response:?}");
        assert!(
            response.ends_with("\r\n\r\nslow done\n"),
            "complete: {response:?}"
        );

        let mut rest = String::new();
        stdout.read_to_string(&mut rest).unwrap();
        assert_eq!(rest, "drained\n");
        assert!(server.wait().unwrap().success());
    });
}

#[test]
fn a_second_sigint_while_draining_ends_the_server_at_once() {
    common::bounded(Duration::from_secs(300), || {
        let (mut server, mut stdout, _, mut client) = serving_a_slow_request();
        interrupt(&server);
        assert_eq!(
            read_line(&mut stdout),
            "stopped accepting; draining 1 connection(s)\n"
        );
        interrupt(&server);
        let status = server.wait().unwrap();
        assert_eq!(status.signal(), Some(libc::SIGINT), "{status:?}");
        let mut rest = String::new();
        stdout.read_to_string(&mut rest).unwrap();
        assert!(!rest.contains("drained"), "{rest:?}");
        let mut response = Vec::new();
        let _ = client.read_to_end(&mut response); // closed (or reset) unanswered
        assert!(response.is_empty(), "{response:?}");
    });
}
