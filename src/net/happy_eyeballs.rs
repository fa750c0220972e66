//! Happy eyeballs (RFC 8305; asyncio's `happy_eyeballs_delay` and `interleave`): connecting to
//! a name with several addresses by racing staggered attempts, so one address that hangs (a
//! broken IPv6 route, a host that drops SYNs) costs a short delay rather than a connect
//! timeout.
//!
//! The addresses are put in order, alternating families (`interleave`); the first attempt
//! starts at once and each next one after the delay or as soon as an earlier attempt fails,
//! whichever comes first. The first connection wins; the other attempts are dropped, which
//! closes their sockets. If every attempt fails, the error lists each address's failure.

use std::fmt::Write as _;
use std::future::{poll_fn, Future};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use super::addr::ToSocketAddrs;
use super::tcp_stream::{connect_addr, Connect, TcpStream};
use crate::time::sleep;

/// How [`TcpStream::connect_with`] connects to a name that resolves to several addresses
/// (asyncio's `happy_eyeballs_delay` and `interleave` arguments).
///
/// The default races attempts 250 ms apart (RFC 8305's recommended delay, the value asyncio's
/// documentation suggests) and alternates address families one by one.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use baton::net::{ConnectOptions, TcpListener, TcpStream};
///
/// baton::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let options = ConnectOptions::new()
///         .happy_eyeballs_delay(Some(Duration::from_millis(100)))
///         .interleave(1);
///     let stream = TcpStream::connect_with(("localhost", listener.local_addr()?.port()), options).await?;
///     assert!(stream.peer_addr()?.ip().is_loopback());
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectOptions {
    delay: Option<Duration>,
    interleave: usize,
}

impl Default for ConnectOptions {
    fn default() -> ConnectOptions {
        ConnectOptions {
            delay: Some(DEFAULT_DELAY),
            interleave: 1,
        }
    }
}

/// RFC 8305's recommended connection attempt delay.
const DEFAULT_DELAY: Duration = Duration::from_millis(250);

impl ConnectOptions {
    /// Happy eyeballs with a 250 ms delay, families interleaved one by one.
    ///
    /// # Examples
    /// ```
    /// let options = baton::net::ConnectOptions::new();
    /// assert_eq!(options, baton::net::ConnectOptions::default());
    /// ```
    pub fn new() -> ConnectOptions {
        ConnectOptions::default()
    }

    /// How long an attempt runs alone before the next one starts (asyncio's
    /// `happy_eyeballs_delay`); `None` tries the addresses one after the other, each to its
    /// end, as a plain `connect` loop.
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    ///
    /// let sequential = baton::net::ConnectOptions::new().happy_eyeballs_delay(None);
    /// let eager = baton::net::ConnectOptions::new().happy_eyeballs_delay(Some(Duration::from_millis(50)));
    /// assert_ne!(sequential, eager);
    /// ```
    pub fn happy_eyeballs_delay(mut self, delay: Option<Duration>) -> ConnectOptions {
        self.delay = delay;
        self
    }

    /// How many addresses of the first family come before the other family's first one
    /// (asyncio's `interleave`; RFC 8305's "First Address Family Count"); 0 keeps the resolver's
    /// order.
    ///
    /// # Examples
    /// ```
    /// // two IPv6 attempts (if the name resolves to IPv6 first), then alternate
    /// let options = baton::net::ConnectOptions::new().interleave(2);
    /// assert_ne!(options, baton::net::ConnectOptions::new());
    /// ```
    pub fn interleave(mut self, count: usize) -> ConnectOptions {
        self.interleave = count;
        self
    }
}

impl TcpStream {
    /// Opens a TCP connection to `addr` as [`connect`](TcpStream::connect) (which uses
    /// [`ConnectOptions::new`]), with the given happy-eyeballs options.
    ///
    /// # Examples
    /// ```
    /// use baton::net::{ConnectOptions, TcpListener, TcpStream};
    ///
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let sequential = ConnectOptions::new().happy_eyeballs_delay(None);
    ///     let stream = TcpStream::connect_with(listener.local_addr()?, sequential).await?;
    ///     assert_eq!(stream.peer_addr()?, listener.local_addr()?);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// When the name does not resolve; when every address fails, an error naming each
    /// address and its failure (of their common kind, else `Other`). A single address fails
    /// with its own error.
    ///
    /// # Panics
    /// When polled outside a running event loop.
    ///
    /// # Cancel safety
    /// Cancel safe: every attempt's socket is closed.
    pub fn connect_with<A: ToSocketAddrs>(addr: A, options: ConnectOptions) -> Connect {
        let resolve = addr.to_addrs();
        Connect::new(async move {
            let addrs = interleave(resolve.await?, options.interleave);
            race(addrs, options.delay).await
        })
    }
}

/// Orders `addrs` as RFC 8305 section 4: `first_count` addresses of the first family, then
/// one of each family in turn; the order within a family is kept. 0 keeps `addrs` as it is.
pub(super) fn interleave(addrs: Vec<SocketAddr>, first_count: usize) -> Vec<SocketAddr> {
    if first_count == 0 || addrs.len() < 2 {
        return addrs;
    }
    let first_v4 = addrs[0].is_ipv4();
    let (mut first, mut other): (Vec<_>, Vec<_>) =
        addrs.into_iter().partition(|a| a.is_ipv4() == first_v4);
    let mut order = Vec::with_capacity(first.len() + other.len());
    let lead = first_count.min(first.len());
    order.extend(first.drain(..lead));
    let (mut first, mut other) = (first.into_iter(), other.drain(..));
    loop {
        match (other.next(), first.next()) {
            (None, None) => break,
            (a, b) => order.extend(a.into_iter().chain(b)),
        }
    }
    order
}

/// Races connection attempts to `addrs`, in order, each started `delay` after the previous
/// one or when an attempt fails; `None` tries them one at a time.
async fn race(addrs: Vec<SocketAddr>, delay: Option<Duration>) -> io::Result<TcpStream> {
    if addrs.len() == 1 {
        return connect_addr(addrs[0]).await;
    }
    type Attempt = Pin<Box<dyn Future<Output = io::Result<TcpStream>> + Send>>;
    let mut pending = addrs.iter().copied();
    let mut running: Vec<(SocketAddr, Attempt)> = Vec::new();
    let mut failures: Vec<(SocketAddr, io::Error)> = Vec::new();
    let mut timer = None;
    let mut start_next = true;
    poll_fn(|cx| loop {
        if start_next {
            start_next = false;
            if let Some(addr) = pending.next() {
                running.push((addr, Box::pin(connect_addr(addr))));
                timer = delay.map(|d| Box::pin(sleep(d)));
            }
        }
        let mut i = 0;
        while i < running.len() {
            match running[i].1.as_mut().poll(cx) {
                Poll::Pending => i += 1,
                // The winner: the other attempts drop (and close) with this future.
                Poll::Ready(Ok(stream)) => return Poll::Ready(Ok(stream)),
                Poll::Ready(Err(e)) => {
                    failures.push((running.remove(i).0, e));
                    start_next = true;
                }
            }
        }
        if running.is_empty() && pending.len() == 0 {
            return Poll::Ready(Err(all_failed(std::mem::take(&mut failures))));
        }
        if start_next || running.is_empty() {
            start_next = true;
            continue;
        }
        let timer_fired = match &mut timer {
            Some(t) if pending.len() > 0 => t.as_mut().poll(cx).is_ready(),
            _ => false,
        };
        if !timer_fired {
            return Poll::Pending;
        }
        start_next = true;
    })
    .await
}

/// One error for a connection whose every address failed, naming each failure.
fn all_failed(failures: Vec<(SocketAddr, io::Error)>) -> io::Error {
    let kind = failures[0].1.kind();
    let kind = if failures.iter().all(|(_, e)| e.kind() == kind) {
        kind
    } else {
        io::ErrorKind::Other
    };
    let mut msg = format!("all {} addresses failed to connect:", failures.len());
    for (addr, e) in &failures {
        let _ = write!(msg, " {addr}: {e};");
    }
    msg.pop();
    io::Error::new(kind, msg)
}

#[cfg(test)]
mod tests {
    use super::interleave;
    use std::net::SocketAddr;

    fn addrs(list: &[&str]) -> Vec<SocketAddr> {
        list.iter().map(|a| a.parse().unwrap()).collect()
    }

    #[test]
    fn families_alternate_after_the_first_count() {
        let input = addrs(&["[::1]:1", "[::2]:1", "[::3]:1", "1.0.0.1:1", "1.0.0.2:1"]);
        assert_eq!(
            interleave(input.clone(), 1),
            addrs(&["[::1]:1", "1.0.0.1:1", "[::2]:1", "1.0.0.2:1", "[::3]:1"])
        );
        assert_eq!(
            interleave(input.clone(), 2),
            addrs(&["[::1]:1", "[::2]:1", "1.0.0.1:1", "[::3]:1", "1.0.0.2:1"])
        );
        assert_eq!(interleave(input.clone(), 0), input);
        let one_family = addrs(&["1.0.0.1:1", "1.0.0.2:1"]);
        assert_eq!(interleave(one_family.clone(), 1), one_family);
    }
}
