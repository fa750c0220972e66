//! gather, gather! and as_completed on the real loop: order, concurrency, O(1) work per wake.

mod common;

use baton::{as_completed, gather, sleep, yield_now};
use common::paused_loop;
use futures_core::Stream;
use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

#[test]
fn gather_runs_inputs_concurrently_and_keeps_input_order() {
    let mut lp = paused_loop();
    let start = lp.time();
    let out = lp.run_until_complete(gather((1..=5u64).rev().map(|s| async move {
        sleep(Duration::from_secs(s)).await;
        s
    })));
    assert_eq!(out, [5, 4, 3, 2, 1]);
    assert_eq!(
        lp.time() - start,
        Duration::from_secs(5),
        "not 15: they slept together"
    );
}

#[test]
fn gather_macro_joins_different_types_into_a_tuple() {
    let mut lp = paused_loop();
    let (a, b, c) = lp.run_until_complete(async {
        let pending = baton::gather!(
            async {
                sleep(Duration::from_secs(2)).await;
                1u8
            },
            async { "two" },
            sleep(Duration::from_secs(1)),
        );
        // A value first, awaited later.
        yield_now().await;
        pending.await
    });
    assert_eq!((a, b, c), (1, "two", ()));
}

/// 200 000 children that wake one at a time (each sleeps a different time): every wake polls
/// only the child that woke, so the polls total 2 per child, not N per wake.
#[test]
fn gather_of_200_000_one_by_one_wakes_polls_each_child_twice() {
    let n: u64 = if cfg!(miri) { 100 } else { 200_000 };
    let polls = Rc::new(Cell::new(0u64));
    let mut lp = paused_loop();
    let out = lp.run_until_complete(gather((0..n).map(|i| {
        let polls = polls.clone();
        let mut nap = Box::pin(sleep(Duration::from_millis(i + 1)));
        std::future::poll_fn(move |cx| {
            polls.set(polls.get() + 1);
            nap.as_mut().poll(cx).map(|()| i)
        })
    })));
    assert_eq!(out.len() as u64, n);
    assert_eq!(out[n as usize - 1], n - 1);
    assert_eq!(polls.get(), 2 * n);
}

#[test]
fn as_completed_is_a_stream_in_completion_order() {
    let mut lp = paused_loop();
    let order = lp.run_until_complete(async {
        let mut done = as_completed([3u64, 1, 2].map(|s| async move {
            sleep(Duration::from_secs(s)).await;
            s
        }));
        assert_eq!(done.len(), 3);
        assert_eq!(Stream::size_hint(&done), (3, Some(3)));
        let mut order = Vec::new();
        while let Some(s) =
            std::future::poll_fn(|cx| std::pin::Pin::new(&mut done).poll_next(cx)).await
        {
            order.push(s);
        }
        assert!(done.is_empty());
        order
    });
    assert_eq!(order, [1, 2, 3]);
}

#[test]
fn gather_and_as_completed_of_nothing_finish_at_once() {
    let mut lp = paused_loop();
    let empty: Vec<u8> = lp.run_until_complete(gather(Vec::<std::future::Ready<u8>>::new()));
    assert!(empty.is_empty());
    let none = lp.run_until_complete(async {
        as_completed(Vec::<std::future::Ready<u8>>::new())
            .next()
            .await
    });
    assert_eq!(none, None);
}
