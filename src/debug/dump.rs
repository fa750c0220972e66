//! A task dump: every task of a loop (or of a runtime's workers and pool) at one moment, and
//! the tree of who awaits whom (asyncio 3.14's `python -m asyncio ps` and `pstree`).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::time::Duration;

use super::exception::TaskInfo;
use crate::awaits::AwaitVia;
use crate::runtime::task::trace::edge_owner;
use crate::runtime::task::TaskId;

/// A snapshot of a loop's tasks; from [`EventLoop::dump`](crate::EventLoop::dump),
/// [`LoopHandle::dump`](crate::LoopHandle::dump) or
/// [`RuntimeHandle::dump`](crate::event_loop::RuntimeHandle::dump).
///
/// `Display` prints a table of the tasks, then the await tree: each task under the task that
/// awaits it, through the combinator it awaits it with (`gather`, `as_completed`, `wait`,
/// `TaskGroup`, `shield`).
///
/// # Examples
/// ```
/// let mut lp = baton::EventLoop::builder().paused_clock().build()?;
/// let dump = lp.run_until_complete(async {
///     let worker = baton::spawn(std::future::pending::<()>()).named("worker");
///     let waiter = baton::spawn(async move { worker.await }).named("waiter");
///     baton::yield_now().await;
///     let dump = baton::get_running_loop().dump().unwrap();
///     waiter.cancel();
///     dump
/// });
/// assert_eq!(dump.tasks().len(), 2);
/// assert_eq!(
///     dump.tree().to_string(),
///     "Task-2 \"waiter\" (waiting)\n└── Task-1 \"worker\" (waiting)\n"
/// );
/// println!("{dump}");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Dump {
    tasks: Vec<TaskSnapshot>,
}

/// One task in a [`Dump`].
///
/// # Examples
/// ```
/// let lp = baton::EventLoop::new()?;
/// let _t = lp.spawn(async {});
/// let dump = lp.dump();
/// let task = &dump.tasks()[0];
/// assert_eq!(task.state, baton::debug::TaskState::Ready);
/// assert_eq!(task.polls, 0);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TaskSnapshot {
    /// Id, name and spawn site.
    pub task: TaskInfo,
    /// Ready, running or waiting.
    pub state: TaskState,
    /// How many times it was polled.
    pub polls: u32,
    /// Time since it was spawned, on its loop's clock. Debug mode only (it costs a clock read
    /// per spawn).
    pub age: Option<Duration>,
    /// Time spent in its polls. Debug mode only (it costs two clock reads per poll).
    pub busy: Option<Duration>,
    /// Who awaits it, and through what; `None` if nobody awaits its handle.
    pub awaited_by: Option<(Awaiter, AwaitVia)>,
    /// The `Runtime` worker whose loop owns it; `None` on a plain `EventLoop` and for `Send`
    /// tasks, which the pool owns.
    pub worker: Option<usize>,
}

/// A task's state in a [`Dump`].
///
/// # Examples
/// ```
/// assert_eq!(baton::debug::TaskState::Waiting.to_string(), "waiting");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskState {
    /// Queued to run.
    Ready,
    /// Being polled right now (the task that asked for the dump, or one on another worker).
    Running,
    /// Waiting for a waker.
    Waiting,
}

/// Who awaits a task in a [`Dump`].
///
/// # Examples
/// ```
/// let main = baton::debug::Awaiter::MainFuture;
/// assert_eq!(main.to_string(), "main future");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Awaiter {
    /// Another task.
    Task(TaskId),
    /// The future `run_until_complete` (or `baton::run`) drives, which is not a task.
    MainFuture,
}

/// Why a dump could not be taken from another thread.
///
/// # Examples
/// ```
/// let lp = baton::EventLoop::new()?;
/// let handle = lp.handle();
/// // Nobody is running the loop, so nobody can answer.
/// assert_eq!(handle.dump().unwrap_err(), baton::debug::DumpError::NotRunning);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DumpError {
    /// The loop is not running (no `run_until_complete` or `run_forever` in progress), so no
    /// thread can list its tasks; call [`EventLoop::dump`](crate::EventLoop::dump) on its thread.
    NotRunning,
    /// The loop closed before it answered.
    Closed,
    /// The loop did not answer in time: a task is blocking its thread (a dump is answered
    /// between polls).
    TimedOut,
}

impl fmt::Display for DumpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DumpError::NotRunning => {
                "the event loop is not running, so it cannot answer a dump from another thread \
                 (call `EventLoop::dump` on its own thread)"
            }
            DumpError::Closed => "the event loop closed before it answered the dump",
            DumpError::TimedOut => {
                "the event loop did not answer the dump in time: a task is blocking its thread"
            }
        })
    }
}

impl std::error::Error for DumpError {}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TaskState::Ready => "ready",
            TaskState::Running => "running",
            TaskState::Waiting => "waiting",
        })
    }
}

impl fmt::Display for Awaiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Awaiter::Task(id) => write!(f, "Task-{id}"),
            Awaiter::MainFuture => f.write_str("main future"),
        }
    }
}

impl Dump {
    /// A dump of `tasks`, ordered by id.
    pub(crate) fn new(mut tasks: Vec<TaskSnapshot>) -> Dump {
        tasks.sort_by_key(|t| t.task.id);
        // An edge keeps only the low bits of its awaiter's loop number: give back the full id
        // of the awaiter where it is in the dump.
        let full: HashMap<(u32, u32), TaskId> = tasks
            .iter()
            .map(|t| {
                (
                    (edge_owner(t.task.id.owner()), t.task.id.number()),
                    t.task.id,
                )
            })
            .collect();
        for task in &mut tasks {
            if let Some((Awaiter::Task(id), _)) = &mut task.awaited_by {
                if let Some(found) = full.get(&(edge_owner(id.owner()), id.number())) {
                    *id = *found;
                }
            }
        }
        Dump { tasks }
    }

    /// Every task, ordered by id.
    ///
    /// # Examples
    /// ```
    /// let lp = baton::EventLoop::new()?;
    /// let (a, b) = (lp.spawn(async {}), lp.spawn(async {}));
    /// let ids: Vec<_> = lp.dump().tasks().iter().map(|t| t.task.id).collect();
    /// assert_eq!(ids, [a.id(), b.id()]);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn tasks(&self) -> &[TaskSnapshot] {
        &self.tasks
    }

    /// The task with this id, if it is in the dump.
    ///
    /// # Examples
    /// ```
    /// let lp = baton::EventLoop::new()?;
    /// let t = lp.spawn(async {}).named("one");
    /// assert_eq!(lp.dump().task(t.id()).unwrap().task.name.as_deref(), Some("one"));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn task(&self, id: TaskId) -> Option<&TaskSnapshot> {
        self.tasks.iter().find(|t| t.task.id == id)
    }

    /// The await tree alone; `Display` prints it with one task per line, no spawn sites, so it
    /// is stable enough to compare in a test.
    ///
    /// # Examples
    /// ```
    /// let lp = baton::EventLoop::new()?;
    /// let _t = lp.spawn(async {}).named("alone");
    /// assert_eq!(lp.dump().tree().to_string(), "Task-1 \"alone\" (ready)\n");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn tree(&self) -> AwaitTree<'_> {
        AwaitTree { dump: self }
    }
}

/// The await tree of a [`Dump`], for `Display`; from [`Dump::tree`].
///
/// # Examples
/// ```
/// let lp = baton::EventLoop::new()?;
/// print!("{}", lp.dump().tree());
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct AwaitTree<'a> {
    dump: &'a Dump,
}

/// Each awaiter's children (by index in the dump), with how each is awaited.
type Children = HashMap<Node, Vec<(AwaitVia, usize)>>;

/// A node of the tree: a task (by index in the dump) or the main future.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Node {
    Task(usize),
    Main,
}

impl AwaitTree<'_> {
    /// Each awaiter's children, grouped by how they are awaited, in dump order; and the roots.
    fn edges(&self) -> (Children, Vec<Node>) {
        let tasks = &self.dump.tasks;
        let index: HashMap<TaskId, usize> = tasks
            .iter()
            .enumerate()
            .map(|(i, t)| (t.task.id, i))
            .collect();
        let mut children: Children = HashMap::new();
        let mut roots = Vec::new();
        let mut main_is_root = false;
        for (i, task) in tasks.iter().enumerate() {
            let parent = match task.awaited_by {
                Some((Awaiter::Task(id), via)) => index.get(&id).map(|&p| (Node::Task(p), via)),
                Some((Awaiter::MainFuture, via)) => {
                    main_is_root = true;
                    Some((Node::Main, via))
                }
                None => None,
            };
            match parent {
                Some((node, via)) => children.entry(node).or_default().push((via, i)),
                None => roots.push(Node::Task(i)),
            }
        }
        if main_is_root {
            roots.insert(0, Node::Main);
        }
        (children, roots)
    }

    fn label(&self, node: Node) -> String {
        match node {
            Node::Main => "main future".to_owned(),
            Node::Task(i) => {
                let task = &self.dump.tasks[i];
                let mut label = format!("Task-{}", task.task.id);
                if let Some(name) = &task.task.name {
                    label.push_str(&format!(" {name:?}"));
                }
                label.push_str(&format!(" ({})", task.state));
                label
            }
        }
    }

    fn write_children(
        &self,
        f: &mut fmt::Formatter<'_>,
        node: Node,
        prefix: &str,
        children: &Children,
        seen: &mut HashSet<Node>,
    ) -> fmt::Result {
        let Some(kids) = children.get(&node) else {
            return Ok(());
        };
        // Direct awaits first, then one group per combinator, in the order first seen.
        let mut groups: Vec<(AwaitVia, Vec<usize>)> = Vec::new();
        for &(via, child) in kids {
            match groups.iter_mut().find(|(v, _)| *v == via) {
                Some((_, members)) => members.push(child),
                None => groups.push((via, vec![child])),
            }
        }
        groups.sort_by_key(|(via, _)| *via != AwaitVia::Await);
        let mut entries: Vec<(Option<AwaitVia>, Vec<usize>)> = Vec::new();
        for (via, members) in groups {
            if via == AwaitVia::Await {
                entries.extend(members.into_iter().map(|m| (None, vec![m])));
            } else {
                entries.push((Some(via), members));
            }
        }
        let count = entries.len();
        for (n, (via, members)) in entries.into_iter().enumerate() {
            let last = n + 1 == count;
            let (branch, next) = if last {
                ("└── ", "    ")
            } else {
                ("├── ", "│   ")
            };
            match via {
                None => self.write_node(
                    f,
                    Node::Task(members[0]),
                    prefix,
                    branch,
                    next,
                    children,
                    seen,
                )?,
                Some(via) => {
                    writeln!(f, "{prefix}{branch}{via}")?;
                    let inner = format!("{prefix}{next}");
                    let len = members.len();
                    for (k, member) in members.into_iter().enumerate() {
                        let (branch, next) = if k + 1 == len {
                            ("└── ", "    ")
                        } else {
                            ("├── ", "│   ")
                        };
                        self.write_node(
                            f,
                            Node::Task(member),
                            &inner,
                            branch,
                            next,
                            children,
                            seen,
                        )?;
                    }
                }
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn write_node(
        &self,
        f: &mut fmt::Formatter<'_>,
        node: Node,
        prefix: &str,
        branch: &str,
        next: &str,
        children: &Children,
        seen: &mut HashSet<Node>,
    ) -> fmt::Result {
        writeln!(f, "{prefix}{branch}{}", self.label(node))?;
        if seen.insert(node) {
            self.write_children(f, node, &format!("{prefix}{next}"), children, seen)?;
        }
        Ok(())
    }
}

impl fmt::Display for AwaitTree<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (children, roots) = self.edges();
        let mut seen = HashSet::new();
        for root in roots {
            writeln!(f, "{}", self.label(root))?;
            seen.insert(root);
            self.write_children(f, root, "", &children, &mut seen)?;
        }
        // Tasks that await each other in a ring (a deadlock) have no root: each is shown from
        // the first of them, marked, so the dump that matters most still lists them.
        for i in 0..self.dump.tasks.len() {
            let node = Node::Task(i);
            if seen.insert(node) {
                writeln!(f, "{} (awaits in a cycle)", self.label(node))?;
                self.write_children(f, node, "", &children, &mut seen)?;
            }
        }
        Ok(())
    }
}

fn millis(d: Option<Duration>) -> String {
    match d {
        Some(d) => format!("{:.1}ms", d.as_secs_f64() * 1e3),
        None => "-".to_owned(),
    }
}

impl fmt::Display for Dump {
    /// The table (id, state, polls, busy, age, worker, name, spawn site), a blank line, then
    /// the await tree.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.tasks.len() {
            1 => writeln!(f, "1 task")?,
            n => writeln!(f, "{n} tasks")?,
        }
        writeln!(
            f,
            "{:>8}  {:<8} {:>7} {:>10} {:>10} {:>6}  {:<20} spawned at",
            "id", "state", "polls", "busy", "age", "worker", "name"
        )?;
        for t in &self.tasks {
            let worker = t.worker.map_or_else(|| "-".to_owned(), |w| w.to_string());
            let name = t.task.name.as_deref().unwrap_or("-");
            writeln!(
                f,
                "{:>8}  {:<8} {:>7} {:>10} {:>10} {:>6}  {:<20} {}",
                format!("Task-{}", t.task.id),
                t.state.to_string(),
                t.polls,
                millis(t.busy),
                millis(t.age),
                worker,
                name,
                t.task.spawned_at
            )?;
        }
        writeln!(f)?;
        write!(f, "{}", self.tree())
    }
}
