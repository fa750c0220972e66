//! `ctrl_c`: wait for one Ctrl-C.

use std::future::poll_fn;
use std::io;

use super::listener::Listener;

/// Waits for the next `SIGINT` (Ctrl-C at the terminal) that arrives after the call, as tokio's
/// `ctrl_c`.
///
/// The listener is made when this function is called, not at the first poll, so a Ctrl-C
/// between the call and the `.await` is not lost. While it is pending, Ctrl-C goes to it and no
/// longer cancels [`baton::run`](crate::run)'s future (see [`Runner`](crate::event_loop::Runner)),
/// and, as with [`Signals`](super::Signals), baton's handler stays installed afterwards: a
/// program that listens for Ctrl-C once keeps deciding what Ctrl-C does.
///
/// # Examples
/// ```
/// # baton::run(async {
/// let ctrl_c = baton::signal::ctrl_c();
/// // SAFETY: raising a signal this process has a handler for.
/// unsafe { libc::raise(libc::SIGINT) }; // what the terminal sends on Ctrl-C
/// ctrl_c.await?;
/// println!("shutting down");
/// # Ok::<(), std::io::Error>(())
/// # })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
/// When the OS refuses the handler or the self-pipe.
pub fn ctrl_c() -> impl std::future::Future<Output = io::Result<()>> + Send {
    let listener = Listener::new([libc::SIGINT]);
    async move {
        let mut listener = listener?;
        poll_fn(|cx| listener.poll_recv(cx)).await;
        Ok(())
    }
}
