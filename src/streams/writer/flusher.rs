//! The flusher: the task that writes a [`StreamWriter`](super::StreamWriter)'s buffer out as
//! the socket accepts it, then carries out a requested `write_eof` or `close`.

use std::future::Future;
use std::io;
use std::net::Shutdown;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::state::{wake_all, Shared};
use crate::net::WriteTransport;

/// Spawns the flusher unless one is running.
#[track_caller]
pub(super) fn start_flusher<W: WriteTransport>(shared: &Arc<Shared<W>>) {
    let mut st = shared.state.lock();
    if st.flusher_running {
        return;
    }
    st.flusher_running = true;
    drop(st);
    // Detached: it ends by itself once the buffer is empty.
    drop(crate::task::spawn(Flusher {
        shared: shared.clone(),
    }));
}

/// The task that writes the buffer out as the socket accepts it.
struct Flusher<W> {
    shared: Arc<Shared<W>>,
}

impl<W: WriteTransport> Future for Flusher<W> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let shared = &*self.shared;
        let mut wake = Vec::new();
        let mut dropped = Vec::new();
        let result = {
            let mut st = shared.state.lock();
            loop {
                if st.failure.is_some() {
                    st.flusher_running = false;
                    wake.append(&mut st.waiters);
                    break Poll::Ready(());
                }
                if st.pending() > 0 {
                    let start = st.start;
                    match shared.io.poll_write_shared(cx, &st.buf[start..]) {
                        Poll::Ready(Ok(0)) => {
                            let e = io::Error::from(io::ErrorKind::WriteZero);
                            dropped = st.fail(e.kind(), e.to_string());
                        }
                        Poll::Ready(Ok(n)) => {
                            st.start += n;
                            if st.paused && st.pending() <= st.low {
                                st.paused = false;
                                wake.append(&mut st.waiters);
                            }
                        }
                        Poll::Ready(Err(e)) => dropped = st.fail(e.kind(), e.to_string()),
                        Poll::Pending => break Poll::Pending,
                    }
                    continue;
                }
                match shared.io.poll_flush_shared(cx) {
                    Poll::Ready(Ok(())) => {}
                    Poll::Ready(Err(e)) => {
                        dropped = st.fail(e.kind(), e.to_string());
                        continue;
                    }
                    Poll::Pending => break Poll::Pending,
                }
                dropped = st.release_empty_buffer();
                st.paused = false;
                if st.close_requested {
                    let _ = shared.io.shutdown(Shutdown::Both);
                    st.closed = true;
                } else if st.eof_requested {
                    let _ = shared.io.shutdown(Shutdown::Write);
                }
                st.flusher_running = false;
                wake.append(&mut st.waiters);
                break Poll::Ready(());
            }
        };
        // Freed and woken after the lock is released.
        drop(dropped);
        wake_all(wake);
        result
    }
}
