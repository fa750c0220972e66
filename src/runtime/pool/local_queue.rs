//! INTERIM (replaced by the lock-free ring): a worker's bounded run queue.
use std::collections::VecDeque;

use crate::loom::Arc;
use crate::util::Mutex;

pub(crate) const LOCAL_QUEUE_CAPACITY: usize = 256;

pub(crate) struct Local<T> {
    inner: Arc<Mutex<VecDeque<T>>>,
}
pub(crate) struct Steal<T> {
    inner: Arc<Mutex<VecDeque<T>>>,
}
impl<T> Clone for Steal<T> {
    fn clone(&self) -> Self {
        Steal {
            inner: self.inner.clone(),
        }
    }
}

pub(crate) fn local<T>() -> (Local<T>, Steal<T>) {
    let inner = Arc::new(Mutex::new(VecDeque::with_capacity(LOCAL_QUEUE_CAPACITY)));
    (
        Local {
            inner: inner.clone(),
        },
        Steal { inner },
    )
}

impl<T> Local<T> {
    pub(crate) fn push_back(&mut self, item: T, overflow: impl FnOnce(Vec<T>)) {
        let mut q = self.inner.lock();
        if q.len() < LOCAL_QUEUE_CAPACITY {
            q.push_back(item);
            return;
        }
        let mut batch: Vec<T> = q.drain(..LOCAL_QUEUE_CAPACITY / 2).collect();
        drop(q);
        batch.push(item);
        overflow(batch);
    }
    pub(crate) fn pop(&mut self) -> Option<T> {
        self.inner.lock().pop_front()
    }
    pub(crate) fn is_empty(&self) -> bool {
        self.inner.lock().is_empty()
    }
    pub(crate) fn remaining_slots(&self) -> usize {
        LOCAL_QUEUE_CAPACITY - self.inner.lock().len()
    }
}

impl<T> Steal<T> {
    pub(crate) fn steal_into(&self, dst: &mut Local<T>) -> Option<T> {
        if Arc::ptr_eq(&self.inner, &dst.inner) {
            return None;
        }
        let mut src = self.inner.lock();
        let n = src.len().div_ceil(2);
        if n == 0 || dst.remaining_slots() < n {
            return None;
        }
        let mut taken: VecDeque<T> = src.drain(..n).collect();
        drop(src);
        let first = taken.pop_front();
        dst.inner.lock().extend(taken);
        first
    }
    pub(crate) fn is_empty(&self) -> bool {
        self.inner.lock().is_empty()
    }
}
