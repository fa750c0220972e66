//! The hidden tokio runtime: one current-thread runtime, driven by one thread for the rest of
//! the process, made the first time the bridge is used.

use std::sync::OnceLock;

use tokio::runtime::{Builder, EnterGuard, Handle, Runtime};

/// The name of the thread that drives the hidden runtime (it shows in `top -H`, debuggers and
/// panics).
const THREAD_NAME: &str = "baton-tokio";

/// Leaked on purpose: the runtime lives as long as the process, and its thread borrows it.
static RUNTIME: OnceLock<&'static Runtime> = OnceLock::new();

/// The hidden tokio runtime's handle, started on first use: spawn onto it
/// (`handle().spawn(..)`), or enter it (`handle().enter()`) to create tokio resources.
///
/// Futures spawned here run on the hidden `baton-tokio` thread, not on baton's loop; see the
/// [module docs](crate::compat) for what that costs.
///
/// # Panics
/// If the runtime or its thread cannot be created (out of threads or file descriptors), with
/// the operating system's error.
///
/// # Examples
/// ```
/// baton::run(async {
///     let job = baton::compat::handle().spawn(async { "ran on tokio" });
///     // A tokio `JoinHandle` is a plain future: a baton task can await it directly.
///     assert_eq!(job.await.unwrap(), "ran on tokio");
/// });
/// ```
pub fn handle() -> &'static Handle {
    runtime().handle()
}

/// Enters the hidden runtime's context unless the calling thread is inside a tokio runtime
/// already (a program mixing both keeps its own): tokio's resources created until the guard
/// drops register there.
pub(super) fn enter() -> Option<EnterGuard<'static>> {
    match Handle::try_current() {
        Ok(_) => None,
        Err(_) => Some(runtime().enter()),
    }
}

fn runtime() -> &'static Runtime {
    RUNTIME.get_or_init(|| {
        let runtime: &'static Runtime = Box::leak(Box::new(
            Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap_or_else(|e| panic!("baton::compat: cannot build the tokio runtime: {e}")),
        ));
        std::thread::Builder::new()
            .name(THREAD_NAME.into())
            // `Runtime::block_on`, not `Handle::block_on`: only the former drives a
            // current-thread runtime's I/O and timers. It does so, and runs the tasks spawned
            // onto it, until the process exits.
            .spawn(move || runtime.block_on(std::future::pending::<()>()))
            .unwrap_or_else(|e| {
                panic!("baton::compat: cannot start the `{THREAD_NAME}` thread: {e}")
            });
        runtime
    })
}
