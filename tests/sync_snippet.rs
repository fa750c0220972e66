//! The snippet at the top of issue 4, as a user writes it.

mod common;

use baton::queue::Queue;
use baton::spawn;
use baton::sync::{Event, Lock, Semaphore};
use baton::{sleep, TaskGroup};
use std::rc::Rc;
use std::time::Duration;

#[test]
fn issue_4_snippet_compiles_and_runs() {
    common::bounded(Duration::from_secs(10), || {
        baton::run(async {
            // primitives take &self; share them with Rc (Arc on threads)
            let lock = Rc::new(Lock::new(0u32));
            {
                let mut g = lock.lock().await; // guard; released on drop
                *g += 1;
            }
            let ev = Rc::new(Event::new());
            let ev2 = ev.clone();
            let waiter = spawn(async move {
                ev2.wait().await;
                7
            });
            ev.set();
            assert_eq!(waiter.await.unwrap(), 7);

            let sem = Semaphore::new(2);
            let _p = sem.acquire().await; // permit; released on drop
            assert!(lock.try_lock().is_some()); // Option of a guard

            let q = Rc::new(Queue::new(10)); // maxsize; 0 = unbounded
            q.put(1).await.unwrap(); // Err only after shutdown, handing the item back
            q.put_nowait(2).unwrap();
            assert_eq!(q.get().await.unwrap(), 1); // Err(QueueShutDown) only after shutdown
            assert_eq!(q.get_nowait().unwrap(), 2);
            assert!(q.get_nowait().is_err()); // empty: an error that says so

            // structured concurrency: join waits for every child; a failing child cancels the rest
            let tg = TaskGroup::new();
            tg.spawn(async { sleep(Duration::from_millis(10)).await });
            tg.spawn(async { panic!("child failed") });
            tg.spawn(async { sleep(Duration::from_secs(3600)).await }); // cancelled, not waited for
            let err = tg.join().await.unwrap_err(); // Result<(), TaskGroupError>; carries the child's panic
            println!("{err}");
        });
    });
}
