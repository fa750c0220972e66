//! `Signals`: a stream of the signals of a set that arrive.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::listener::Listener;

/// The signals of a set that arrive from its making on, as a stream (tokio's `signal`, for many
/// signals at once; asyncio's `add_signal_handler` as a stream).
///
/// The first `Signals` of a signal installs baton's handler for it, process-wide, for the
/// process's life: from then on that signal no longer has its default effect (a `SIGTERM` no
/// longer ends the process) — it is delivered to every `Signals`, [`ctrl_c`](super::ctrl_c) and
/// signal handler listening for it, on any loop or worker, and is lost when none is. Signals
/// coalesce: several arrivals of one signal before the stream is polled are delivered once, but
/// at least one delivery follows every arrival.
///
/// A `Signals` is polled on a baton loop: the loop's reactor is what wakes it (a self-pipe,
/// registered there). It may be made outside one; it hears signals from its making on anyway.
///
/// # Examples
/// ```
/// use baton::signal::{Signal, Signals};
///
/// # baton::run(async {
/// let mut signals = Signals::new([Signal::USR2, Signal::HUP])?;
/// // What a `kill -USR2 <pid>` would do:
/// // SAFETY: raising a signal this process has a handler for.
/// unsafe { libc::raise(libc::SIGUSR2) };
/// assert_eq!(signals.recv().await, Some(Signal::USR2));
/// # Ok::<(), std::io::Error>(())
/// # })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Signals {
    listener: Listener,
}

impl Signals {
    /// Listens for `signals` (numbers such as [`Signal::TERM`](super::Signal::TERM) or
    /// `libc::SIGTERM`).
    ///
    /// # Examples
    /// ```
    /// use baton::signal::{Signal, Signals};
    ///
    /// let signals = Signals::new([Signal::TERM])?;
    /// # drop(signals);
    /// // SIGKILL cannot be caught:
    /// let refused = Signals::new([libc::SIGKILL]).unwrap_err();
    /// assert!(refused.to_string().contains("SIGKILL"));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// `InvalidInput`, naming the signal, for signals that cannot be caught or whose handler
    /// could only return into the fault again (`SIGKILL`, `SIGSTOP`, `SIGSEGV`, `SIGBUS`,
    /// `SIGILL`, `SIGFPE`) and for numbers that are no signal; the OS's error when it refuses
    /// the handler or the self-pipe.
    pub fn new(signals: impl IntoIterator<Item = i32>) -> io::Result<Signals> {
        Ok(Signals {
            listener: Listener::new(signals)?,
        })
    }

    /// Waits for the next signal of the set and returns its number. Never `None`: the stream
    /// does not end (the `Option` is the shape of a stream's `recv`).
    ///
    /// # Examples
    /// ```
    /// use baton::signal::{Signal, Signals};
    ///
    /// # baton::run(async {
    /// let mut signals = Signals::new([Signal::WINCH])?;
    /// // SAFETY: raising a signal this process has a handler for.
    /// unsafe { libc::raise(libc::SIGWINCH) };
    /// unsafe { libc::raise(libc::SIGWINCH) }; // coalesced with the first: delivered once
    /// assert_eq!(signals.recv().await, Some(Signal::WINCH));
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn recv(&mut self) -> Option<i32> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// [`recv`](Signals::recv) as a poll function: the waker of the last call is woken.
    ///
    /// # Examples
    /// ```
    /// use baton::signal::{Signal, Signals};
    ///
    /// # baton::run(async {
    /// let mut signals = Signals::new([Signal::USR2])?;
    /// // SAFETY: raising a signal this process has a handler for.
    /// unsafe { libc::raise(libc::SIGUSR2) };
    /// let got = std::future::poll_fn(|cx| signals.poll_recv(cx)).await;
    /// assert_eq!(got, Some(Signal::USR2));
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<i32>> {
        self.listener.poll_recv(cx).map(Some)
    }
}

impl futures_core::Stream for Signals {
    type Item = i32;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<i32>> {
        self.get_mut().poll_recv(cx)
    }
}

impl fmt::Debug for Signals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signals").finish_non_exhaustive()
    }
}
