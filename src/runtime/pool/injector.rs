//! INTERIM (replaced by the helper's version): the injection queue.
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::local_queue::Local;
use crate::util::Mutex;

pub(crate) struct Injector<T> {
    queue: Mutex<(VecDeque<T>, bool)>,
    len: AtomicUsize,
}

impl<T> Injector<T> {
    pub(crate) fn new() -> Injector<T> {
        Injector {
            queue: Mutex::new((VecDeque::new(), false)),
            len: AtomicUsize::new(0),
        }
    }
    pub(crate) fn push(&self, item: T) -> Result<(), T> {
        let mut q = self.queue.lock();
        if q.1 {
            return Err(item);
        }
        q.0.push_back(item);
        self.len.store(q.0.len(), Ordering::SeqCst);
        Ok(())
    }
    pub(crate) fn push_batch(&self, items: Vec<T>) -> Vec<T> {
        let mut q = self.queue.lock();
        if q.1 {
            return items;
        }
        q.0.extend(items);
        self.len.store(q.0.len(), Ordering::SeqCst);
        Vec::new()
    }
    pub(crate) fn pop_into(&self, dst: &mut Local<T>, max: usize) -> Option<T> {
        if self.is_empty() {
            return None;
        }
        let mut q = self.queue.lock();
        let first = q.0.pop_front()?;
        let n = max
            .saturating_sub(1)
            .min(dst.remaining_slots())
            .min(q.0.len());
        let rest: Vec<T> = q.0.drain(..n).collect();
        self.len.store(q.0.len(), Ordering::SeqCst);
        drop(q);
        for item in rest {
            dst.push_back(item, |_| unreachable!());
        }
        Some(first)
    }
    pub(crate) fn is_empty(&self) -> bool {
        self.len.load(Ordering::SeqCst) == 0
    }
    pub(crate) fn len(&self) -> usize {
        self.len.load(Ordering::SeqCst)
    }
    pub(crate) fn close(&self) -> VecDeque<T> {
        let mut q = self.queue.lock();
        q.1 = true;
        self.len.store(0, Ordering::SeqCst);
        std::mem::take(&mut q.0)
    }
}
