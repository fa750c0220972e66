//! CPU time of this process and of each of its threads, for the `idle_cpu` row: what a runtime
//! that has nothing to do costs while it waits.
//!
//! The process figure is `getrusage(RUSAGE_SELF)` (user + system, microseconds). The per-thread
//! breakdown, printed when a runtime's idle workers use CPU, reads `/proc/self/task/*/schedstat`
//! (nanoseconds on a CPU) and the voluntary context switches of `/proc/self/task/*/status`: a
//! thread that keeps waking up shows many switches for little CPU; one that spins, few switches
//! and much CPU.

use std::collections::BTreeMap;
use std::time::Duration;

/// User + system CPU time of the whole process so far.
pub fn process_cpu() -> Duration {
    // SAFETY: `rusage` is plain data, valid zeroed; `getrusage` writes only into it.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        assert_eq!(
            libc::getrusage(libc::RUSAGE_SELF, &mut usage),
            0,
            "getrusage"
        );
        usage
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1_000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// One thread's counters.
#[derive(Clone, Debug, Default)]
pub struct ThreadCpu {
    pub name: String,
    pub cpu_ns: u64,
    pub wakeups: u64,
}

/// Every thread of this process, by thread id.
pub fn threads() -> BTreeMap<u32, ThreadCpu> {
    let mut out = BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return out;
    };
    for task in tasks.flatten() {
        let Some(tid) = task.file_name().to_str().and_then(|t| t.parse().ok()) else {
            continue;
        };
        let read = |file| std::fs::read_to_string(task.path().join(file)).unwrap_or_default();
        let cpu_ns = read("schedstat")
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let wakeups = read("status")
            .lines()
            .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0);
        let name = read("comm").trim().to_owned();
        out.insert(
            tid,
            ThreadCpu {
                name,
                cpu_ns,
                wakeups,
            },
        );
    }
    out
}

/// What the process did over an idle window: CPU time, voluntary context switches (wake-ups)
/// summed over its threads, and the threads that used any CPU.
pub struct IdleReport {
    pub cpu: Duration,
    pub wakeups: u64,
    pub busy_threads: Vec<ThreadCpu>,
}

impl IdleReport {
    /// Sleeps `window` on this thread and reports what the rest of the process used meanwhile.
    pub fn measure(window: Duration) -> IdleReport {
        let threads_before = threads();
        let cpu_before = process_cpu();
        std::thread::sleep(window);
        let cpu = process_cpu() - cpu_before;
        let threads_after = threads();
        let mut busy_threads = Vec::new();
        let mut wakeups = 0;
        for (tid, after) in threads_after {
            let before = threads_before.get(&tid).cloned().unwrap_or_default();
            let spent = ThreadCpu {
                name: after.name,
                cpu_ns: after.cpu_ns.saturating_sub(before.cpu_ns),
                wakeups: after.wakeups.saturating_sub(before.wakeups),
            };
            wakeups += spent.wakeups;
            if spent.cpu_ns > 0 {
                busy_threads.push(spent);
            }
        }
        IdleReport {
            cpu,
            wakeups,
            busy_threads,
        }
    }

    /// The child's answer on stdout: the totals on the first line, then one line per busy
    /// thread; read back by [`IdleReport::parse`].
    pub fn print(&self) {
        println!("{} {}", self.cpu.as_nanos(), self.wakeups);
        for t in &self.busy_threads {
            println!("{} {} {}", t.cpu_ns, t.wakeups, t.name);
        }
    }

    pub fn parse(out: &str) -> IdleReport {
        let mut lines = out.lines();
        let mut totals = lines.next().expect("idle child output").split_whitespace();
        let mut number = || -> u64 {
            totals
                .next()
                .and_then(|n| n.parse().ok())
                .expect("a number")
        };
        let cpu = Duration::from_nanos(number());
        let wakeups = number();
        let busy_threads = lines
            .map(|l| {
                let mut words = l.splitn(3, ' ');
                let mut number = || words.next().and_then(|n| n.parse().ok()).expect("a number");
                ThreadCpu {
                    cpu_ns: number(),
                    wakeups: number(),
                    name: words.next().unwrap_or("").to_owned(),
                }
            })
            .collect();
        IdleReport {
            cpu,
            wakeups,
            busy_threads,
        }
    }
}
