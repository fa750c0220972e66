//! Signals: [`ctrl_c`], a [`Signals`] stream, and the plumbing under asyncio's
//! `add_signal_handler` ([`EventLoop::add_signal_handler`](crate::EventLoop::add_signal_handler))
//! and the Ctrl-C handling of [`baton::run`](crate::run) ([`Runner`](crate::event_loop::Runner)).
//!
//! # How a signal travels
//!
//! One process-wide registry (`handler.rs`) installs one `sigaction` per signal number, on
//! first use. The handler is async-signal-safe: it sets the signal's pending flag and writes a
//! byte to a non-blocking self-pipe, keeping `errno`. Each loop that has listeners registers a
//! dup of the pipe's read end in its own reactor (`loop_pipe.rs`): no thread of baton's own
//! waits for signals. Whichever loop wakes first drains the pipe and broadcasts the pending
//! signals to every listener of the process (`registry.rs`), whose wakers wake their tasks on
//! whatever loop or `Runtime` worker they run. So several loops, on several threads, each see
//! every signal they listen for.
//!
//! # Examples
//! ```
//! use baton::signal::{Signal, Signals};
//!
//! # baton::run(async {
//! let mut signals = Signals::new([Signal::HUP, Signal::TERM])?;
//! // SAFETY: raising a signal this process has a handler for.
//! unsafe { libc::raise(libc::SIGHUP) };
//! match signals.recv().await {
//!     Some(Signal::HUP) => println!("reloading the configuration"),
//!     _ => println!("stopping"),
//! }
//! # Ok::<(), std::io::Error>(())
//! # })?;
//! # Ok::<(), std::io::Error>(())
//! ```

mod blocking_listener;
mod ctrl_c;
mod handler;
mod interrupt_watch;
mod listener;
mod loop_pipe;
mod number;
mod registry;
mod signals;

pub(crate) use blocking_listener::BlockingListener;
pub use ctrl_c::ctrl_c;
pub(crate) use interrupt_watch::{exit_interrupted, InterruptWatch};
pub(crate) use number::name;
pub use number::Signal;
pub use signals::Signals;
