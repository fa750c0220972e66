//! Naming addresses: [`ToSocketAddrs`] and [`lookup_host`]. Host names resolve on a blocking
//! thread (`to_thread`), never on the loop.

use std::fmt;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::blocking::{to_thread, ToThread};

/// Anything that names socket addresses: `SocketAddr`, `"127.0.0.1:8080"`, `"localhost:8080"`,
/// `String`, `(host, port)`, `(IpAddr, port)`, `&[SocketAddr]`. Taken by `bind`, `connect`,
/// [`open_connection`](crate::open_connection) and [`start_server`](crate::start_server).
///
/// Literal addresses are used at once; host names are resolved on a blocking thread
/// ([`to_thread`](crate::to_thread)), so the loop never waits on DNS. Sealed: baton implements it
/// for these types only.
///
/// # Examples
/// ```
/// use baton::net::TcpListener;
///
/// baton::run(async {
///     let a = TcpListener::bind("127.0.0.1:0").await?;
///     let b = TcpListener::bind(("localhost", 0)).await?; // resolved off the loop
///     let c = TcpListener::bind(a.local_addr()?.ip().to_string() + ":0").await?;
///     # drop((b, c));
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub trait ToSocketAddrs: sealed::ToSocketAddrsPriv {}

pub(crate) mod sealed {
    use super::Resolve;

    /// The method behind [`ToSocketAddrs`](super::ToSocketAddrs), out of users' reach.
    pub trait ToSocketAddrsPriv {
        /// Starts resolving: ready at once for literals, a blocking lookup for names.
        fn to_addrs(&self) -> Resolve;

        /// The one address a literal names, known without a lookup or an allocation: the
        /// fast path of `UdpSocket::send_to`.
        fn literal(&self) -> Option<std::net::SocketAddr> {
            None
        }
    }
}

/// Resolution in progress: the addresses, or a lookup on a blocking thread.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Resolve {
    state: ResolveState,
}

enum ResolveState {
    Ready(Option<io::Result<Vec<SocketAddr>>>),
    Blocking(ToThread<io::Result<Vec<SocketAddr>>>),
}

impl Resolve {
    fn ready(addrs: Vec<SocketAddr>) -> Resolve {
        Resolve {
            state: ResolveState::Ready(Some(Ok(addrs))),
        }
    }

    /// Parses `host:port` as a literal, or looks it up on a blocking thread.
    fn host_port(s: String) -> Resolve {
        if let Ok(addr) = s.parse::<SocketAddr>() {
            return Resolve::ready(vec![addr]);
        }
        Resolve {
            state: ResolveState::Blocking(to_thread(move || {
                std::net::ToSocketAddrs::to_socket_addrs(&s)
                    .map(Iterator::collect)
                    .map_err(|e| naming(&s, e))
            })),
        }
    }

    /// Parses `host` as an IP literal, or looks it up on a blocking thread.
    fn host_and_port(host: String, port: u16) -> Resolve {
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Resolve::ready(vec![SocketAddr::new(ip, port)]);
        }
        Resolve {
            state: ResolveState::Blocking(to_thread(move || {
                std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port))
                    .map(Iterator::collect)
                    .map_err(|e| naming(&format!("{host}:{port}"), e))
            })),
        }
    }
}

/// A lookup's error, naming what was looked up (std's message does not).
fn naming(what: &str, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("resolve {what:?}: {e}"))
}

impl Future for Resolve {
    type Output = io::Result<Vec<SocketAddr>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let result = match &mut self.state {
            ResolveState::Ready(result) => result.take().expect("Resolve polled after completion"),
            ResolveState::Blocking(lookup) => match Pin::new(lookup).poll(cx) {
                Poll::Ready(r) => r,
                Poll::Pending => return Poll::Pending,
            },
        };
        Poll::Ready(result.and_then(|addrs| {
            if addrs.is_empty() {
                Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "the name resolved to no addresses",
                ))
            } else {
                Ok(addrs)
            }
        }))
    }
}

impl fmt::Debug for Resolve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.state {
            ResolveState::Ready(_) => "literal",
            ResolveState::Blocking(_) => "looking up",
        };
        f.debug_struct("Resolve").field("state", &state).finish()
    }
}

/// Resolves `host` (`"host:port"`, `(host, port)`, or a literal) to socket addresses, looking
/// names up on a blocking thread (asyncio's `loop.getaddrinfo`).
///
/// # Examples
/// ```
/// baton::run(async {
///     let addrs: Vec<_> = baton::net::lookup_host("localhost:80").await?.collect();
///     assert!(addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 80));
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
/// When the name does not resolve, or resolves to nothing.
///
/// # Cancel safety
/// Cancel safe: a lookup already running finishes on its thread and is discarded.
pub fn lookup_host<A: ToSocketAddrs>(host: A) -> LookupHost {
    LookupHost {
        resolve: host.to_addrs(),
    }
}

/// The future returned by [`lookup_host`].
#[must_use = "futures do nothing unless you .await or poll them"]
#[derive(Debug)]
pub struct LookupHost {
    resolve: Resolve,
}

impl Future for LookupHost {
    type Output = io::Result<std::vec::IntoIter<SocketAddr>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.resolve)
            .poll(cx)
            .map(|r| r.map(IntoIterator::into_iter))
    }
}

/// Tries `op` on each address in turn; returns the first success or the last error.
pub(crate) async fn each_addr<T, F, Fut>(addrs: Vec<SocketAddr>, mut op: F) -> io::Result<T>
where
    F: FnMut(SocketAddr) -> Fut,
    Fut: Future<Output = io::Result<T>>,
{
    let mut last = None;
    for addr in addrs {
        match op(addr).await {
            Ok(v) => return Ok(v),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no addresses to try")))
}

macro_rules! literal {
    ($($ty:ty => |$v:ident| $e:expr;)*) => {$(
        impl ToSocketAddrs for $ty {}
        impl sealed::ToSocketAddrsPriv for $ty {
            fn to_addrs(&self) -> Resolve {
                let $v = self;
                Resolve::ready(vec![$e])
            }

            fn literal(&self) -> Option<SocketAddr> {
                let $v = self;
                Some($e)
            }
        }
    )*};
}

literal! {
    SocketAddr => |a| *a;
    SocketAddrV4 => |a| SocketAddr::V4(*a);
    SocketAddrV6 => |a| SocketAddr::V6(*a);
    (IpAddr, u16) => |a| SocketAddr::new(a.0, a.1);
    (Ipv4Addr, u16) => |a| SocketAddr::new(IpAddr::V4(a.0), a.1);
    (Ipv6Addr, u16) => |a| SocketAddr::new(IpAddr::V6(a.0), a.1);
}

impl ToSocketAddrs for [SocketAddr] {}
impl sealed::ToSocketAddrsPriv for [SocketAddr] {
    fn to_addrs(&self) -> Resolve {
        Resolve::ready(self.to_vec())
    }
}

impl ToSocketAddrs for str {}
impl sealed::ToSocketAddrsPriv for str {
    fn to_addrs(&self) -> Resolve {
        Resolve::host_port(self.to_owned())
    }
}

impl ToSocketAddrs for String {}
impl sealed::ToSocketAddrsPriv for String {
    fn to_addrs(&self) -> Resolve {
        Resolve::host_port(self.clone())
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl sealed::ToSocketAddrsPriv for (&str, u16) {
    fn to_addrs(&self) -> Resolve {
        Resolve::host_and_port(self.0.to_owned(), self.1)
    }
}

impl ToSocketAddrs for (String, u16) {}
impl sealed::ToSocketAddrsPriv for (String, u16) {
    fn to_addrs(&self) -> Resolve {
        Resolve::host_and_port(self.0.clone(), self.1)
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: ToSocketAddrs + ?Sized> sealed::ToSocketAddrsPriv for &T {
    fn to_addrs(&self) -> Resolve {
        (**self).to_addrs()
    }

    fn literal(&self) -> Option<SocketAddr> {
        (**self).literal()
    }
}
