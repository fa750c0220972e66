//! The multi-core worker pool's building blocks, generic over the item they queue so they are
//! tested on their own (unit tests, Miri, loom). For now the queues: each worker's stealable
//! ring (`local_queue.rs`) and the shared injection queue (`injector.rs`); the pool itself —
//! workers, their parking and the `Schedule` impl for `Send` tasks — will live here too.

pub(crate) mod injector;
pub(crate) mod local_queue;
