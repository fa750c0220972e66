//! With the `tracing` feature, baton speaks tokio-console's language: a `runtime.spawn` span per
//! task (target `tokio::task`) entered around each poll and closed at completion, and waker
//! events (target `tokio::task::waker`) tagged with the span's id — the names and field types
//! `console-subscriber` matches. Debug-mode reports become `tracing` events of target `baton`.
//!
//! A hand-written subscriber records what baton emits; the tests read that record.
#![cfg(feature = "tracing")]

mod common;

use std::collections::BTreeMap;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use common::bounded;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// A field's value, with the type it was recorded as: console reads `task.id`, `loc.line` and
/// `loc.col` only as `u64`s and `loc.file` only as a `str`.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    U64(u64),
    Str(String),
    /// Recorded through `Debug` (or as another type); the text.
    Other(String),
}

type Fields = BTreeMap<String, Value>;

#[derive(Clone, Debug)]
struct SpanRecord {
    name: &'static str,
    target: &'static str,
    fields: Fields,
    /// Made with `parent: None`.
    is_root: bool,
    /// Open handles (`new_span`, `clone_span` minus `try_close`).
    refs: usize,
}

/// What the subscriber saw, in order.
#[derive(Clone, Debug, PartialEq)]
enum Entry {
    Enter(u64),
    Exit(u64),
    Close(u64),
    Event {
        target: &'static str,
        level: Level,
        fields: Fields,
    },
}

/// Every span made so far (by id) and the log of enters, exits, closes and events.
#[derive(Default)]
struct Seen {
    next_id: u64,
    spans: BTreeMap<u64, SpanRecord>,
    log: Vec<Entry>,
}

/// A subscriber that records every span and event.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Seen>>);

/// Records fields with the type they were recorded as.
struct FieldVisitor<'a>(&'a mut Fields);

impl Visit for FieldVisitor<'_> {
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), Value::U64(value));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0
            .insert(field.name().to_owned(), Value::Str(value.to_owned()));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().to_owned(), Value::Other(format!("{value:?}")));
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::TRACE)
    }
    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let mut fields = Fields::new();
        attrs.record(&mut FieldVisitor(&mut fields));
        let mut record = self.0.lock().unwrap();
        record.next_id += 1;
        let id = record.next_id;
        record.spans.insert(
            id,
            SpanRecord {
                name: attrs.metadata().name(),
                target: attrs.metadata().target(),
                fields,
                is_root: attrs.is_root(),
                refs: 1,
            },
        );
        Id::from_u64(id)
    }
    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut record = self.0.lock().unwrap();
        let span = record.spans.get_mut(&span.into_u64()).unwrap();
        values.record(&mut FieldVisitor(&mut span.fields));
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields::new();
        event.record(&mut FieldVisitor(&mut fields));
        self.0.lock().unwrap().log.push(Entry::Event {
            target: event.metadata().target(),
            level: *event.metadata().level(),
            fields,
        });
    }
    fn enter(&self, span: &Id) {
        self.0
            .lock()
            .unwrap()
            .log
            .push(Entry::Enter(span.into_u64()));
    }
    fn exit(&self, span: &Id) {
        self.0
            .lock()
            .unwrap()
            .log
            .push(Entry::Exit(span.into_u64()));
    }
    fn clone_span(&self, span: &Id) -> Id {
        let mut record = self.0.lock().unwrap();
        record.spans.get_mut(&span.into_u64()).unwrap().refs += 1;
        span.clone()
    }
    fn try_close(&self, span: Id) -> bool {
        let mut record = self.0.lock().unwrap();
        let id = span.into_u64();
        let refs = &mut record.spans.get_mut(&id).unwrap().refs;
        *refs -= 1;
        let closed = *refs == 0;
        if closed {
            record.log.push(Entry::Close(id));
        }
        closed
    }
}

impl Recorder {
    /// The `runtime.spawn` span of the task with baton id `task`.
    fn task_span(&self, task: baton::task::TaskId) -> (u64, SpanRecord) {
        let record = self.0.lock().unwrap();
        let found: Vec<_> = record
            .spans
            .iter()
            .filter(|(_, s)| {
                s.name == "runtime.spawn"
                    && s.fields.get("task.id") == Some(&Value::U64(task.as_u64()))
            })
            .map(|(id, s)| (*id, s.clone()))
            .collect();
        assert_eq!(found.len(), 1, "one span for task {task}: {found:?}");
        found.into_iter().next().unwrap()
    }

    /// The entries about span `span`: its enters, exits and close, and the waker events that
    /// name it.
    fn entries_of(&self, span: u64) -> Vec<Entry> {
        self.0
            .lock()
            .unwrap()
            .log
            .iter()
            .filter(|e| match e {
                Entry::Enter(id) | Entry::Exit(id) | Entry::Close(id) => *id == span,
                Entry::Event { fields, .. } => fields.get("task.id") == Some(&Value::U64(span)),
            })
            .cloned()
            .collect()
    }

    /// The waker operations logged for span `span`, in order.
    fn waker_ops(&self, span: u64) -> Vec<String> {
        self.entries_of(span)
            .into_iter()
            .filter_map(|e| match e {
                Entry::Event {
                    target: "tokio::task::waker",
                    fields,
                    ..
                } => match fields.get("op") {
                    Some(Value::Str(op)) => Some(op.clone()),
                    other => panic!("a waker event's op is a str: {other:?}"),
                },
                _ => None,
            })
            .collect()
    }

    /// The events of target `baton`.
    fn baton_events(&self) -> Vec<(Level, Fields)> {
        self.0
            .lock()
            .unwrap()
            .log
            .iter()
            .filter_map(|e| match e {
                Entry::Event {
                    target: "baton",
                    level,
                    fields,
                } => Some((*level, fields.clone())),
                _ => None,
            })
            .collect()
    }
}

/// Runs `f` on a fresh thread with `recorder` as its subscriber, under a time limit.
fn recorded<T: Send + 'static>(recorder: &Recorder, f: impl FnOnce() -> T + Send + 'static) -> T {
    let recorder = recorder.clone();
    bounded(Duration::from_secs(10), move || {
        tracing::subscriber::with_default(recorder, f)
    })
}

/// Pending `n` times (waking itself each time), then ready.
fn yields(n: usize) -> impl Future<Output = ()> {
    let mut left = n;
    poll_fn(move |cx| {
        if left == 0 {
            return Poll::Ready(());
        }
        left -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    })
}

#[test]
fn each_task_gets_a_root_runtime_spawn_span_with_the_fields_console_reads() {
    let recorder = Recorder::default();
    let (named, unnamed, line) = recorded(&recorder, || {
        let mut lp = common::paused_loop();
        // An enclosing span, which the task spans must not take as their parent.
        let outer = tracing::info_span!("outer");
        let _outer = outer.enter();
        lp.run_until_complete(async {
            let line = line!() + 1;
            let named = baton::spawn(async { 1u8 }).named("worker");
            let unnamed = baton::spawn(async { 2u8 });
            let ids = (named.id(), unnamed.id());
            assert_eq!(named.await.unwrap() + unnamed.await.unwrap(), 3);
            (ids.0, ids.1, line)
        })
    });

    let (_, span) = recorder.task_span(named);
    assert_eq!(span.target, "tokio::task");
    assert!(span.is_root, "a task's span has no parent");
    let f = &span.fields;
    assert_eq!(f["kind"], Value::Str("task".into()));
    assert_eq!(f["task.name"], Value::Str("worker".into()));
    assert_eq!(f["task.id"], Value::U64(named.as_u64()));
    assert_eq!(f["loc.file"], Value::Str(file!().into()));
    assert_eq!(f["loc.line"], Value::U64(u64::from(line)));
    assert_eq!(f["loc.col"], Value::U64(25), "the column of `baton::spawn`");
    assert!(matches!(f["size.bytes"], Value::U64(_)));

    let (_, span) = recorder.task_span(unnamed);
    assert!(!span.fields.contains_key("task.name"), "{:?}", span.fields);
    assert_eq!(span.fields["loc.line"], Value::U64(u64::from(line) + 1));
}

#[test]
fn every_poll_runs_inside_the_span_and_completion_closes_it() {
    let recorder = Recorder::default();
    let spy = recorder.clone();
    recorded(&recorder, move || {
        common::paused_loop().run_until_complete(async move {
            let task = baton::spawn(yields(3));
            while !task.done() {
                baton::yield_now().await;
            }
            // The handle is still held: the span closed at completion, not when the task is freed.
            let (span, _) = spy.task_span(task.id());
            let polls = [Entry::Enter(span), Entry::Exit(span)];
            let mut expected: Vec<Entry> = Vec::new();
            for _ in 0..4 {
                expected.extend(polls.iter().cloned());
            }
            expected.push(Entry::Close(span));
            let seen: Vec<Entry> = spy
                .entries_of(span)
                .into_iter()
                .filter(|e| !matches!(e, Entry::Event { .. }))
                .collect();
            assert_eq!(seen, expected);
            drop(task);
        });
    });
}

#[test]
fn a_cancelled_or_panicked_task_closes_its_span_too() {
    let recorder = Recorder::default();
    let spy = recorder.clone();
    recorded(&recorder, move || {
        common::paused_loop().run_until_complete(async move {
            let sleeper = baton::spawn(baton::sleep(Duration::from_secs(60)));
            let panicker = baton::spawn(async { panic!("boom") });
            baton::yield_now().await;
            sleeper.cancel();
            let sleeper_id = sleeper.id();
            assert!(sleeper.await.is_err());
            assert!(panicker.await.is_err());
            let span = spy.task_span(sleeper_id).0;
            let log = spy.entries_of(span);
            assert_eq!(log.last(), Some(&Entry::Close(span)), "{log:?}");
        });
    });
    let record = recorder.0.lock().unwrap();
    let spawned = record.spans.values().filter(|s| s.name == "runtime.spawn");
    assert!(spawned.clone().count() == 2 && spawned.clone().all(|s| s.refs == 0));
}

/// Clones its waker, wakes through the clone by reference, clones and drops it again, then
/// wakes by value; ready at its second poll. Keeps one more clone in `kept` past completion.
struct WakerWorkout {
    polled: bool,
    kept: Arc<Mutex<Option<Waker>>>,
}

impl Future for WakerWorkout {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.polled {
            return Poll::Ready(());
        }
        self.polled = true;
        let waker = cx.waker().clone(); // waker.clone
        waker.wake_by_ref(); // waker.wake_by_ref
        drop(waker.clone()); // waker.clone, waker.drop
        *self.kept.lock().unwrap() = Some(waker.clone()); // waker.clone
        waker.wake(); // waker.wake
        Poll::Pending
    }
}

#[test]
fn waker_operations_are_events_tagged_with_the_task_span() {
    let recorder = Recorder::default();
    let kept = Arc::new(Mutex::new(None));
    let task = {
        let kept = kept.clone();
        recorded(&recorder, move || {
            common::paused_loop().run_until_complete(async move {
                let task = baton::spawn(WakerWorkout {
                    polled: false,
                    kept,
                });
                let id = task.id();
                task.await.unwrap();
                id
            })
        })
    };
    let (span, _) = recorder.task_span(task);
    assert_eq!(
        recorder.waker_ops(span),
        [
            "waker.clone",
            "waker.wake_by_ref",
            "waker.clone",
            "waker.drop",
            "waker.clone",
            "waker.wake"
        ]
    );
    // Console reads the span's id as a u64 field named `task.id` on target `tokio::task::waker`.
    let first = recorder
        .entries_of(span)
        .into_iter()
        .find(|e| matches!(e, Entry::Event { .. }))
        .unwrap();
    let Entry::Event { target, level, .. } = first else {
        unreachable!()
    };
    assert_eq!((target, level), ("tokio::task::waker", Level::TRACE));

    // A waker outliving its completed task reports nothing: the span is closed.
    let before = recorder.entries_of(span).len();
    tracing::subscriber::with_default(recorder.clone(), || drop(kept.lock().unwrap().take()));
    assert_eq!(recorder.entries_of(span).len(), before);
}

#[test]
fn a_task_polled_before_any_subscriber_gets_its_span_at_a_later_poll() {
    let recorder = Recorder::default();
    let spy = recorder.clone();
    bounded(Duration::from_secs(10), move || {
        let mut lp = common::paused_loop();
        let task = lp.spawn(baton::sleep(Duration::from_secs(1)));
        let id = task.id();
        // The first poll, with nobody listening (not even the global subscriber another test
        // of this file may have set).
        let nobody = tracing::subscriber::NoSubscriber::default();
        tracing::subscriber::with_default(nobody, || lp.run_until_complete(baton::yield_now()));
        assert_eq!(lp.dump().tasks()[0].polls, 1);
        tracing::subscriber::with_default(recorder, || {
            lp.run_until_complete(task).unwrap();
        });
        let (span, record) = spy.task_span(id);
        assert_eq!(record.refs, 0);
        assert_eq!(
            spy.entries_of(span),
            [Entry::Enter(span), Entry::Exit(span), Entry::Close(span)]
        );
    });
}

#[test]
fn send_tasks_of_a_runtime_report_from_every_worker() {
    // Worker threads see only the global subscriber; this is the one test that sets it, and it
    // looks only at the spans of its own tasks.
    let recorder = Recorder::default();
    tracing::subscriber::set_global_default(recorder.clone()).unwrap();
    let ids = bounded(Duration::from_secs(10), || {
        let rt = baton::Runtime::builder().workers(2).build().unwrap();
        rt.block_on(async {
            let tasks: Vec<_> = (0..8u64)
                .map(|i| {
                    baton::spawn_send(async move {
                        yields(2).await;
                        i
                    })
                    .named(format!("send-{i}"))
                })
                .collect();
            let mut ids = Vec::new();
            for task in tasks {
                ids.push(task.id());
                task.await.unwrap();
            }
            ids
        })
    });
    assert_eq!(ids.len(), 8);
    for id in ids {
        let (span, record) = recorder.task_span(id);
        assert_eq!(record.refs, 0, "closed");
        let log = recorder.entries_of(span);
        let enters = log.iter().filter(|e| **e == Entry::Enter(span)).count();
        let exits = log.iter().filter(|e| **e == Entry::Exit(span)).count();
        assert_eq!((enters, exits), (3, 3), "three polls: {log:?}");
        assert_eq!(log.last(), Some(&Entry::Close(span)));
        assert_eq!(recorder.waker_ops(span), ["waker.wake_by_ref"; 2]);
    }
}

#[test]
fn debug_mode_reports_are_tracing_events_of_target_baton() {
    let recorder = Recorder::default();
    let ids = recorded(&recorder, || {
        let mut lp = baton::EventLoop::builder()
            .paused_clock()
            .debug(true)
            .slow_poll_threshold(Duration::ZERO)
            .build()
            .unwrap();
        let ids = lp.run_until_complete(async {
            let slow = baton::spawn(async {});
            let lost = baton::spawn(async { panic!("boom") });
            let stuck = baton::spawn(std::future::pending::<()>());
            let ids = (slow.id(), lost.id(), stuck.id());
            slow.await.unwrap();
            drop(lost); // nobody will look at its panic
            baton::yield_now().await;
            ids
        });
        lp.close(); // `stuck` is still pending
        ids
    });
    let events = recorder.baton_events();
    let about = |task: baton::task::TaskId, level: Level, says: &str| {
        events.iter().any(|(l, fields)| {
            *l == level
                && fields.get("task") == Some(&Value::U64(task.as_u64()))
                && matches!(&fields["message"], Value::Other(m) if m.contains(says))
        })
    };
    assert!(about(ids.0, Level::WARN, "took"), "a slow poll: {events:?}");
    assert!(
        about(ids.1, Level::ERROR, "boom"),
        "a lost panic: {events:?}"
    );
    assert!(
        about(ids.2, Level::WARN, "still pending"),
        "pending at close: {events:?}"
    );
}
