//! Happy eyeballs (RFC 8305) in `TcpStream::connect` and `open_connection`: an address that
//! hangs costs the delay, not a connect timeout; a refused one costs nothing; when all fail,
//! the error names each. Timed on the paused clock; the hanging address is a listener whose
//! accept queue is full, so the kernel drops further SYNs.

mod common;

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use baton::net::{ConnectOptions, TcpListener, TcpStream};
use baton::time::now;
use common::run_paused;
use socket2::{Domain, Socket, Type};

/// One test at a time: the `SYN_SENT` counts are process-wide, and a port one test's hanging
/// listener frees may at once become another's, with the first test's attempts still counted.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A listener whose accept queue is full, and the connections filling it (kept alive): a
/// connect to it hangs.
fn hanging_listener() -> (Socket, SocketAddr, Vec<Socket>) {
    let listener = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    listener
        .bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into())
        .unwrap();
    listener.listen(0).unwrap();
    let addr = listener.local_addr().unwrap().as_socket().unwrap();
    let fillers = (0..4)
        .map(|_| {
            let s = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
            s.set_nonblocking(true).unwrap();
            let _ = s.connect(&addr.into()); // EINPROGRESS
            s
        })
        .collect();
    (listener, addr, fillers)
}

/// How many of this network namespace's IPv4 sockets are still sending SYNs to `addr`
/// (`/proc/net/tcp`, state 02 `SYN_SENT`): a connect attempt that hangs there.
fn syn_sent_to(addr: SocketAddr) -> usize {
    let remote = format!(":{:04X}", addr.port());
    std::fs::read_to_string("/proc/net/tcp")
        .unwrap()
        .lines()
        .skip(1)
        .filter(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            fields[2].ends_with(&remote) && fields[3] == "02"
        })
        .count()
}

/// An address where nothing listens, and the socket that keeps it so: bound but not
/// listening, it refuses connections and keeps the port from another test's listener (tests
/// run in parallel; a port freed here could become a hanging listener's, and the attempts
/// meant to be refused would then wait in `SYN_SENT` there, miscounting its test).
fn refused_addr() -> (Socket, SocketAddr) {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket
        .bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into())
        .unwrap();
    let addr = socket.local_addr().unwrap().as_socket().unwrap();
    (socket, addr)
}

#[test]
fn an_address_that_hangs_really_hangs_a_sequential_connect() {
    let _serial = one_at_a_time();
    run_paused(|| async {
        let (_l, hang, _fillers) = hanging_listener();
        let sequential = ConnectOptions::new().happy_eyeballs_delay(None);
        let before = syn_sent_to(hang);
        let attempt = baton::spawn(baton::wait_for(
            Duration::from_secs(10),
            TcpStream::connect_with(hang, sequential),
        ));
        baton::sleep(Duration::from_millis(1)).await;
        assert_eq!(
            syn_sent_to(hang),
            before + 1,
            "the attempt waits in SYN_SENT"
        );
        assert!(
            attempt.await.unwrap().is_err(),
            "the control: this address does not answer"
        );
        assert_eq!(syn_sent_to(hang), before, "a timed-out attempt is closed");
    });
}

#[test]
fn after_a_hanging_address_the_next_one_connects_after_the_delay() {
    let _serial = one_at_a_time();
    run_paused(|| async {
        let (_l, hang, _fillers) = hanging_listener();
        let good = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addrs = [hang, good.local_addr().unwrap()];
        let hanging_before = syn_sent_to(hang);
        let start = now();
        let stream = TcpStream::connect(&addrs[..]).await.unwrap();
        assert_eq!(
            syn_sent_to(hang),
            hanging_before,
            "the losing attempt was closed with the race"
        );
        let took = now() - start;
        assert_eq!(stream.peer_addr().unwrap(), addrs[1]);
        assert!(
            took >= Duration::from_millis(250) && took < Duration::from_secs(1),
            "connected after {took:?}: the delay, not a timeout"
        );

        // A delay of our own, and through open_connection.
        let start = now();
        let (_r, w) = ConnectOptions::new()
            .happy_eyeballs_delay(Some(Duration::from_millis(40)))
            .open_connection(&addrs[..])
            .await
            .unwrap();
        assert_eq!(w.peer_addr().unwrap(), addrs[1]);
        let took = now() - start;
        assert!(
            took >= Duration::from_millis(40) && took < Duration::from_millis(250),
            "{took:?}"
        );

        let start = now();
        let (_r, _w) = baton::open_connection(&addrs[..]).await.unwrap();
        assert!(now() - start >= Duration::from_millis(250));
    });
}

#[test]
fn a_refused_address_lets_the_next_start_at_once() {
    let _serial = one_at_a_time();
    run_paused(|| async {
        let good = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (_refusing, refused) = refused_addr();
        let addrs = [refused, good.local_addr().unwrap()];
        let start = now();
        let stream = TcpStream::connect(&addrs[..]).await.unwrap();
        assert_eq!(stream.peer_addr().unwrap(), addrs[1]);
        assert!(
            now() - start < Duration::from_millis(250),
            "no wait for the delay"
        );
    });
}

#[test]
fn when_every_address_fails_the_error_names_each() {
    let _serial = one_at_a_time();
    run_paused(|| async {
        let ((_a, a), (_b, b)) = (refused_addr(), refused_addr());
        let addrs = [a, b];
        let err = TcpStream::connect(&addrs[..]).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused, "{err}");
        let msg = err.to_string();
        for addr in addrs {
            assert!(msg.contains(&addr.to_string()), "{msg}");
        }
        // One address: its own error, as before.
        let err = TcpStream::connect(addrs[0]).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
    });
}

#[test]
fn malformed_or_unknown_addresses_fail_with_an_error_naming_them() {
    let _serial = one_at_a_time();
    run_paused(|| async {
        for bad in ["127.0.0.1", "127.0.0.1:port", "127.0.0.1:99999"] {
            let err = TcpStream::connect(bad).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{bad}: {err}");
            assert!(err.to_string().contains(bad), "names {bad}: {err}");
        }
        for bad in ["[::1:80", ":80", "no-such-host.invalid:80"] {
            let err = TcpStream::connect(bad).await.unwrap_err();
            assert!(err.to_string().contains(bad), "names {bad}: {err}");
        }
        let err = TcpStream::connect(("no-such-host.invalid", 80))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("no-such-host.invalid:80"), "{err}");
    });
}
