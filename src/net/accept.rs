//! The accept step both listeners share: wait for readability (each `accept` future with a
//! waiter of its own, so concurrent accepts are all woken), take one pending connection,
//! non-blocking and close-on-exec from birth, and register it with the loop as the family's
//! stream.
//!
//! A listener says only how an accepted socket becomes its stream ([`Listener::adopt`]);
//! `listener!` writes each family's shells once: the `Listener` impl, its named `accept`
//! future over [`Accepting`], and `Debug`.

use std::io;
use std::os::fd::AsFd;
use std::task::{Context, Poll};

use socket2::{SockAddr, SockRef, Socket};

use crate::io::evented::Evented;
use crate::runtime::driver::reactor::{Direction, Waiter};

/// A listening socket of one family: [`TcpListener`](super::TcpListener) or
/// [`UnixListener`](super::UnixListener).
pub(super) trait Listener {
    /// The std listener under it.
    type Socket: AsFd + std::os::fd::AsRawFd;
    /// What an accepted connection becomes.
    type Stream;
    /// The peer's address.
    type Addr;

    fn evented(&self) -> &Evented<Self::Socket>;

    /// Registers an accepted socket with the running loop as this family's stream.
    fn adopt(socket: Socket, peer: SockAddr) -> io::Result<(Self::Stream, Self::Addr)>;
}

/// The state of an `accept` future: the listener and its own place among the listener's
/// waiters.
pub(super) struct Accepting<'a, L: Listener> {
    listener: &'a L,
    waiter: Waiter<'a>,
}

impl<'a, L: Listener> Accepting<'a, L> {
    pub(super) fn new(listener: &'a L) -> Self {
        Accepting {
            listener,
            waiter: listener.evented().waiter(Direction::Read),
        }
    }

    pub(super) fn listener(&self) -> &'a L {
        self.listener
    }

    pub(super) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<(L::Stream, L::Addr)>> {
        let socket = self.listener.evented().get_ref();
        let accepted = adopt::<L>(self.waiter.poll_io(cx, || accept4(socket)));
        self.waiter.returning(accepted)
    }

    /// Whether the future returned (its `FusedFuture::is_terminated`).
    pub(super) fn has_returned(&self) -> bool {
        self.waiter.has_returned()
    }
}

/// Polls for a connection through the listener's poll waker (only the last caller's waker is
/// kept): the body of `poll_accept`.
pub(super) fn poll_accept<L: Listener>(
    listener: &L,
    cx: &mut Context<'_>,
) -> Poll<io::Result<(L::Stream, L::Addr)>> {
    adopt::<L>(listener.evented().poll_io(cx, Direction::Read, accept4))
}

/// Takes one pending connection, non-blocking and close-on-exec from birth.
fn accept4<T: AsFd>(listener: &T) -> io::Result<(Socket, SockAddr)> {
    SockRef::from(listener).accept4(libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC)
}

fn adopt<L: Listener>(
    accepted: Poll<io::Result<(Socket, SockAddr)>>,
) -> Poll<io::Result<(L::Stream, L::Addr)>> {
    accepted.map(|accepted| accepted.and_then(|(socket, peer)| L::adopt(socket, peer)))
}

/// A family's listener shells: the [`Listener`] impl over its field `io: Evented<socket>`
/// (how an accepted socket becomes its stream is the function given as `adopt`), the named
/// `accept` future over [`Accepting`] (its docs given here), and the listener's `Debug`.
macro_rules! listener {
    (
        $listener:ident over $socket:ty => ($stream:ty, $addr:ty), adopt: $adopt:path;
        $(#[$meta:meta])* pub struct $accept:ident;
    ) => {
        impl $crate::net::accept::Listener for $listener {
            type Socket = $socket;
            type Stream = $stream;
            type Addr = $addr;

            fn evented(&self) -> &$crate::io::evented::Evented<$socket> {
                &self.io
            }

            fn adopt(
                socket: socket2::Socket,
                peer: socket2::SockAddr,
            ) -> std::io::Result<($stream, $addr)> {
                $adopt(socket, peer)
            }
        }

        $(#[$meta])*
        #[must_use = "futures do nothing unless you .await or poll them"]
        pub struct $accept<'a> {
            inner: $crate::net::accept::Accepting<'a, $listener>,
        }

        impl<'a> $accept<'a> {
            fn new(listener: &'a $listener) -> Self {
                $accept {
                    inner: $crate::net::accept::Accepting::new(listener),
                }
            }
        }

        impl std::future::Future for $accept<'_> {
            type Output = std::io::Result<($stream, $addr)>;

            fn poll(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<Self::Output> {
                self.get_mut().inner.poll(cx)
            }
        }

        /// Terminated once it returned a connection or an error.
        impl futures_core::future::FusedFuture for $accept<'_> {
            fn is_terminated(&self) -> bool {
                self.inner.has_returned()
            }
        }

        impl std::fmt::Debug for $accept<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($accept))
                    .field("listener", self.inner.listener())
                    .finish()
            }
        }

        impl std::fmt::Debug for $listener {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($listener))
                    .field("local", &self.local_addr().ok())
                    .finish()
            }
        }
    };
}

pub(super) use listener;
