//! `boxed_future!`: a named future type over a boxed `async` block, for the cold paths (bind,
//! connect, open a connection, start a server) where one allocation per call costs nothing next
//! to the system calls, and a hand-written state machine would cost clarity.

/// Declares `pub struct $name` wrapping `Pin<Box<dyn Future<Output = $out> + Send>>`, with
/// `Future`, `FusedFuture` (terminated once it returned), `Debug` and the house `#[must_use]`:
/// like the sockets they make, these futures may move between threads. `boxed_future! { local
/// ... }` drops the `Send`, for a future that holds the user's `!Send` values (`start_server`'s
/// handler).
macro_rules! boxed_future {
    (local $(#[$meta:meta])* $vis:vis struct $name:ident -> $out:ty;) => {
        $crate::io::boxed::boxed_future!(@with [] $(#[$meta])* $vis struct $name -> $out;);
    };
    ($(#[$meta:meta])* $vis:vis struct $name:ident -> $out:ty;) => {
        $crate::io::boxed::boxed_future!(@with [+ Send] $(#[$meta])* $vis struct $name -> $out;);
    };
    (@with [$($send:tt)*] $(#[$meta:meta])* $vis:vis struct $name:ident -> $out:ty;) => {
        $(#[$meta])*
        #[must_use = "futures do nothing unless you .await or poll them"]
        $vis struct $name {
            inner: std::pin::Pin<Box<dyn std::future::Future<Output = $out> $($send)*>>,
            /// The future returned `Ready`: `FusedFuture::is_terminated`.
            returned: bool,
        }

        impl $name {
            #[allow(dead_code)]
            pub(crate) fn new(
                f: impl std::future::Future<Output = $out> $($send)* + 'static,
            ) -> Self {
                $name {
                    inner: Box::pin(f),
                    returned: false,
                }
            }
        }

        impl std::future::Future for $name {
            type Output = $out;

            fn poll(
                mut self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<$out> {
                let out = self.inner.as_mut().poll(cx);
                self.returned |= out.is_ready();
                out
            }
        }

        /// Terminated once it returned.
        impl futures_core::future::FusedFuture for $name {
            fn is_terminated(&self) -> bool {
                self.returned
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }
    };
}

pub(crate) use boxed_future;
