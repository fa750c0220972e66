//! The methods `Queue`, `LifoQueue` and `PriorityQueue` share, written once; each type differs
//! only in which item `get` returns. The doc examples name the type they are generated for.

macro_rules! queue_methods {
    ($name:ident, $($bound:tt)*) => {
        impl<T $($bound)*> $name<T> {
            /// Puts `item` in the queue, waiting while it is full.
            ///
            /// # Examples
            /// ```
            #[doc = concat!("let q = baton::queue::", stringify!($name), "::new(1);")]
            /// baton::run(async {
            ///     q.put(7).await.unwrap();
            ///     assert_eq!(q.qsize(), 1);
            /// });
            /// ```
            ///
            /// # Errors
            /// [`PutError::ShutDown`](crate::queue::PutError::ShutDown), handing `item` back,
            /// if the queue is shut down before the item goes in.
            ///
            /// # Cancel safety
            /// Dropping the future before it completes drops `item` and inserts nothing; a slot
            /// that had already been reserved for it goes to the next waiting putter.
            pub fn put(&self, item: T) -> crate::queue::Put<'_, T> {
                crate::queue::Put::new(&self.core, item)
            }

            /// Puts `item` in the queue if there is room now.
            ///
            /// # Examples
            /// ```
            /// use baton::queue::PutError;
            #[doc = concat!("let q = baton::queue::", stringify!($name), "::new(1);")]
            /// q.put_nowait(1).unwrap();
            /// assert!(matches!(q.put_nowait(2), Err(PutError::Full(2))));
            /// ```
            ///
            /// # Errors
            /// [`PutError::Full`](crate::queue::PutError::Full) if the queue holds `maxsize`
            /// items (counting slots promised to waiting putters), or
            /// [`PutError::ShutDown`](crate::queue::PutError::ShutDown) after `shutdown`; both
            /// hand `item` back.
            pub fn put_nowait(&self, item: T) -> Result<(), crate::queue::PutError<T>> {
                self.core.put_nowait(item)
            }

            /// Takes an item, waiting while the queue is empty. Waiting getters are served
            /// first come, first served.
            ///
            /// # Examples
            /// ```
            #[doc = concat!("let q = baton::queue::", stringify!($name), "::new(0);")]
            /// baton::run(async {
            ///     q.put_nowait(5).unwrap();
            ///     assert_eq!(q.get().await, Ok(5));
            /// });
            /// ```
            ///
            /// # Errors
            /// [`QueueShutDown`](crate::queue::QueueShutDown) once the queue is shut down and
            /// has no item left (after `shutdown(false)` the remaining items are still handed
            /// out).
            ///
            /// # Cancel safety
            /// Cancel safe: no item is lost; one already reserved for the dropped future stays
            /// in the queue for the next getter.
            pub fn get(&self) -> crate::queue::Get<'_, T> {
                crate::queue::Get::new(&self.core)
            }

            /// Takes an item if one is available now.
            ///
            /// Items already promised to woken getters are not available, so this can say
            /// `Empty` while `qsize() > 0`; that keeps a woken getter from coming back
            /// empty-handed.
            ///
            /// # Examples
            /// ```
            /// use baton::queue::GetError;
            #[doc = concat!("let q = baton::queue::", stringify!($name), "::new(0);")]
            /// q.put_nowait(1).unwrap();
            /// assert_eq!(q.get_nowait(), Ok(1));
            /// assert_eq!(q.get_nowait(), Err(GetError::Empty));
            /// ```
            ///
            /// # Errors
            /// [`GetError::Empty`](crate::queue::GetError::Empty), or
            /// [`GetError::ShutDown`](crate::queue::GetError::ShutDown) if the queue is also shut
            /// down.
            pub fn get_nowait(&self) -> Result<T, crate::queue::GetError> {
                self.core.get_nowait()
            }

            /// Marks one item taken by `get` as processed (asyncio's `task_done()`); when every
            /// item put has been marked, `join` returns.
            ///
            /// # Examples
            /// ```
            #[doc = concat!("let q = baton::queue::", stringify!($name), "::new(0);")]
            /// q.put_nowait(1).unwrap();
            /// q.get_nowait().unwrap();
            /// assert!(q.task_done().is_ok());
            /// assert!(q.task_done().is_err());
            /// ```
            ///
            /// # Errors
            /// [`TaskDoneError::TooManyCalls`](crate::queue::TaskDoneError::TooManyCalls) if
            /// called more times than items were put.
            pub fn task_done(&self) -> Result<(), crate::queue::TaskDoneError> {
                self.core.task_done()
            }

            /// Waits until every item put has been marked with `task_done` (asyncio's
            /// `join()`); returns at once if none is unfinished.
            ///
            /// # Examples
            /// ```
            /// use std::rc::Rc;
            ///
            /// baton::run(async {
            #[doc = concat!("    let q = Rc::new(baton::queue::", stringify!($name), "::new(0));")]
            ///     let worker = {
            ///         let q = q.clone();
            ///         baton::spawn(async move {
            ///             while let Ok(_item) = q.get().await {
            ///                 q.task_done().unwrap();
            ///             }
            ///         })
            ///     };
            ///     for i in 0..3 {
            ///         q.put(i).await.unwrap();
            ///     }
            ///     q.join().await; // all three processed
            ///     q.shutdown(false);
            ///     worker.await.unwrap();
            /// });
            /// ```
            ///
            /// # Cancel safety
            /// Cancel safe: dropping the future only leaves the joiners.
            pub fn join(&self) -> crate::queue::QueueJoin<'_, T> {
                crate::queue::QueueJoin::new(&self.core)
            }

            /// Shuts the queue down (Python 3.13's `shutdown`): `put` fails from now on, and
            /// every waiting putter and getter is woken with the shut-down error. With
            /// `immediate == false` the items left can still be taken (then `get` fails); with
            /// `immediate == true` they are dropped at once and counted as done for `join`.
            ///
            /// # Examples
            /// ```
            /// use baton::queue::{GetError, PutError};
            #[doc = concat!("let q = baton::queue::", stringify!($name), "::new(0);")]
            /// q.put_nowait(1).unwrap();
            /// q.shutdown(false);
            /// assert!(matches!(q.put_nowait(2), Err(PutError::ShutDown(2))));
            /// assert_eq!(q.get_nowait(), Ok(1)); // still handed out
            /// assert_eq!(q.get_nowait(), Err(GetError::ShutDown));
            /// ```
            pub fn shutdown(&self, immediate: bool) {
                self.core.shutdown(immediate)
            }

            /// True once `shutdown` was called.
            ///
            /// # Examples
            /// ```
            #[doc = concat!("let q = baton::queue::", stringify!($name), "::<u8>::new(0);")]
            /// q.shutdown(true);
            /// assert!(q.is_shut_down());
            /// ```
            pub fn is_shut_down(&self) -> bool {
                self.core.is_shut_down()
            }

            /// Items in the queue (including any promised to woken getters).
            ///
            /// # Examples
            /// ```
            #[doc = concat!("let q = baton::queue::", stringify!($name), "::new(0);")]
            /// q.put_nowait(1).unwrap();
            /// assert_eq!(q.qsize(), 1);
            /// ```
            pub fn qsize(&self) -> usize {
                self.core.qsize()
            }

            /// True if the queue holds no item.
            ///
            /// # Examples
            /// ```
            #[doc = concat!("let q = baton::queue::", stringify!($name), "::<u8>::new(0);")]
            /// assert!(q.empty());
            /// ```
            pub fn empty(&self) -> bool {
                self.core.qsize() == 0
            }

            /// True if the queue holds `maxsize` items (never, if unbounded).
            ///
            /// # Examples
            /// ```
            #[doc = concat!("let q = baton::queue::", stringify!($name), "::new(1);")]
            /// q.put_nowait(1).unwrap();
            /// assert!(q.full());
            /// ```
            pub fn full(&self) -> bool {
                self.core.full()
            }

            /// The bound given to `new`; 0 means unbounded.
            ///
            /// # Examples
            /// ```
            #[doc = concat!("let q = baton::queue::", stringify!($name), "::<u8>::new(8);")]
            /// assert_eq!(q.maxsize(), 8);
            /// ```
            pub fn maxsize(&self) -> usize {
                self.core.maxsize()
            }

            /// Items put and not yet marked with `task_done`.
            ///
            /// # Examples
            /// ```
            #[doc = concat!("let q = baton::queue::", stringify!($name), "::new(0);")]
            /// q.put_nowait(1).unwrap();
            /// q.get_nowait().unwrap();
            /// assert_eq!(q.unfinished_tasks(), 1);
            /// ```
            pub fn unfinished_tasks(&self) -> usize {
                self.core.unfinished()
            }
        }

        impl<T> std::fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_tuple(stringify!($name)).field(&self.core).finish()
            }
        }
    };
}

pub(crate) use queue_methods;
