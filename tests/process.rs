//! `baton::process` against real programs: `sh`, `cat`, `yes | head`, large data both ways, a
//! thousand children and their zombies, stderr merged into stdout, faults (a missing program,
//! a signal, a closed pipe), `kill_on_drop`, the multi-core runtime, and the `SIGCHLD` fallback
//! (the whole file re-run in a child process with `BATON_NO_PIDFD=1`).

mod common;

use std::io;
use std::os::unix::process::ExitStatusExt;
use std::time::{Duration, Instant};

use baton::process::{create_subprocess_exec, create_subprocess_shell, Command, Stdio};
use common::bounded;

const LIMIT: Duration = Duration::from_secs(60);

/// Runs `f`'s future on a fresh loop (the real clock: real processes), bounded.
fn run<F, Fut>(f: F)
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = io::Result<()>>,
{
    bounded(LIMIT, move || baton::run(f()).unwrap());
}

/// The pids of this process's children that are zombies (exited, not reaped).
fn zombie_children() -> Vec<u32> {
    let me = std::process::id();
    let mut zombies = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue; // gone meanwhile
        };
        // "pid (comm) state ppid ...": the name may hold spaces and parentheses.
        let Some((_, rest)) = stat.rsplit_once(") ") else {
            continue;
        };
        let mut fields = rest.split_whitespace();
        let state = fields.next();
        let ppid = fields.next().and_then(|p| p.parse::<u32>().ok());
        if state == Some("Z") && ppid == Some(me) {
            zombies.push(pid);
        }
    }
    zombies
}

/// Polls `done` until it holds or `limit` passes; returns whether it held.
fn eventually(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    done()
}

/// Whether process `pid` exists and is not a zombie.
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| {
            !stat
                .rsplit_once(") ")
                .is_some_and(|(_, rest)| rest.starts_with('Z'))
        })
        .unwrap_or(false)
}

#[test]
fn sh_reports_its_exit_code_and_cat_echoes_through_the_asyncio_streams() {
    run(|| async {
        let status = Command::new("sh").args(["-c", "exit 42"]).status().await?;
        assert_eq!(status.code(), Some(42));

        let mut cat = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let mut writer = cat.stdin.take().unwrap().into_writer();
        let mut reader = cat.stdout.take().unwrap().into_reader();
        for line in [&b"one\n"[..], b"two\n"] {
            writer.write(line);
            writer.drain().await?;
            assert_eq!(reader.readline().await?, line, "cat answers line by line");
        }
        writer.close().await?;
        assert_eq!(
            reader.read_to_end().await?,
            b"",
            "EOF after the writer closed"
        );
        assert!(cat.wait().await?.success());
        assert_eq!(cat.returncode(), Some(0));
        Ok(())
    });
}

#[test]
fn yes_piped_into_head_ends_when_head_does() {
    run(|| async {
        let output = create_subprocess_shell("yes | head -n 1000")?
            .wait_with_output()
            .await?;
        assert!(output.status.success());
        assert_eq!(output.stdout, b"y\n".repeat(1000));
        Ok(())
    });
}

#[test]
fn sixty_four_mib_round_trip_through_cat_with_communicate() {
    run(|| async {
        let data: Vec<u8> = (0..64u32 << 20)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        let mut cat = create_subprocess_exec("cat", [] as [&str; 0])?;
        let output = cat.communicate(Some(data.clone())).await?;
        assert!(output.status.success());
        assert!(output.stderr.is_empty());
        assert_eq!(output.stdout.len(), data.len());
        assert!(output.stdout == data, "the bytes came back in order");
        Ok(())
    });
}

#[test]
fn large_output_on_both_pipes_while_reading_large_input_does_not_deadlock() {
    run(|| async {
        // The child writes 4 MiB to each of stdout and stderr before it reads any input.
        let mut child = create_subprocess_shell(
            "head -c 4194304 /dev/zero; head -c 4194304 /dev/zero >&2; wc -c",
        )?;
        let output = child.communicate(Some(vec![7; 4 << 20])).await?;
        assert_eq!(output.stdout.len(), (4 << 20) + "4194304\n".len());
        assert!(output.stdout.ends_with(b"4194304\n"));
        assert_eq!(output.stderr.len(), 4 << 20);
        Ok(())
    });
}

#[test]
fn a_thousand_children_waited_or_dropped_leave_no_zombie() {
    run(|| async {
        for i in 0..1000 {
            let mut cmd = Command::new("true");
            if i % 4 == 1 {
                cmd.stdout(Stdio::piped()).stdin(Stdio::piped());
            }
            let mut child = cmd.spawn()?;
            match i % 4 {
                0 => assert!(child.wait().await?.success()),
                3 => {
                    let _ = child.try_wait()?; // maybe reaped, maybe not: then dropped
                }
                _ => drop(child),
            }
        }
        Ok(())
    });
    assert!(
        eventually(Duration::from_secs(20), || zombie_children().is_empty()),
        "zombie children left: {:?}",
        zombie_children()
    );
}

#[test]
fn dropping_a_child_without_a_loop_still_reaps_it() {
    let child = bounded(LIMIT, || {
        baton::run(async { Command::new("sh").args(["-c", "sleep 0.2"]).spawn() }).unwrap()
    });
    let pid = child.id().unwrap();
    drop(child); // no loop runs any more; the child is still running
    assert!(
        eventually(Duration::from_secs(20), || !std::path::Path::new(&format!(
            "/proc/{pid}"
        ))
        .exists()),
        "child {pid} was not reaped"
    );
}

#[test]
fn a_program_that_does_not_exist_is_an_error_naming_it() {
    run(|| async {
        let err = Command::new("baton-no-such-program").spawn().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert!(
            err.to_string().contains("baton-no-such-program"),
            "message: {err}"
        );
        let err = Command::new("/nonexistent/dir/prog")
            .output()
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("/nonexistent/dir/prog"),
            "message: {err}"
        );
        Ok(())
    });
}

#[test]
fn spawning_outside_a_loop_panics_before_starting_anything() {
    let panic = std::panic::catch_unwind(|| Command::new("true").spawn()).unwrap_err();
    assert!(common::panic_message(panic).contains("no running event loop"));
}

#[test]
fn a_child_killed_by_a_signal_reports_that_signal() {
    run(|| async {
        let mut child = Command::new("sleep").arg("30").spawn()?;
        child.kill()?;
        let status = child.wait().await?;
        assert_eq!(status.signal(), Some(libc::SIGKILL));
        assert_eq!(status.code(), None);
        assert_eq!(child.returncode(), Some(-libc::SIGKILL));

        let status = Command::new("sh")
            .args(["-c", "kill -TERM $$"])
            .status()
            .await?;
        assert_eq!(status.signal(), Some(libc::SIGTERM));

        let mut child = Command::new("sleep").arg("30").spawn()?;
        assert_eq!(child.try_wait()?, None);
        assert_eq!(child.returncode(), None);
        child.send_signal(libc::SIGUSR1)?;
        assert_eq!(child.wait().await?.signal(), Some(libc::SIGUSR1));
        Ok(())
    });
}

#[test]
fn a_pipe_closed_mid_write_is_broken_pipe_to_the_writer_only() {
    run(|| async {
        // A bystander: a cat round trip that runs meanwhile.
        let bystander = baton::spawn(async {
            let mut cat = create_subprocess_exec("cat", [] as [&str; 0])?;
            let output = cat.communicate(Some(vec![1; 1 << 20])).await?;
            io::Result::Ok(output.stdout.len())
        });
        let mut head = Command::new("head")
            .args(["-c", "10"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()?;
        let mut stdin = head.stdin.take().unwrap();
        let err = stdin.write_all(&vec![0; 8 << 20]).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
        assert!(head.wait().await?.success());
        assert_eq!(bystander.await.unwrap()?, 1 << 20);

        // communicate takes a child that stops reading as no error.
        let mut head = create_subprocess_exec("head", ["-c", "10"])?;
        let output = head.communicate(Some(vec![b'x'; 8 << 20])).await?;
        assert_eq!(output.stdout, b"xxxxxxxxxx");
        Ok(())
    });
}

#[test]
fn kill_on_drop_kills_and_without_it_the_child_lives_on() {
    let (killed, kept) = bounded(LIMIT, || {
        baton::run(async {
            let killed = Command::new("sleep").arg("30").kill_on_drop(true).spawn()?;
            let kept = Command::new("sleep").arg("30").spawn()?;
            let ids = (killed.id().unwrap(), kept.id().unwrap());
            drop((killed, kept));
            io::Result::Ok(ids)
        })
        .unwrap()
    });
    assert!(
        eventually(Duration::from_secs(20), || !std::path::Path::new(&format!(
            "/proc/{killed}"
        ))
        .exists()),
        "kill_on_drop: {killed} still there"
    );
    assert!(alive(kept), "a dropped child keeps running");
    // SAFETY: `kept` is our child, still running (checked just above) and reaped only by the
    // reaper thread once it exits, so the pid names no other process.
    assert_eq!(unsafe { libc::kill(kept as libc::pid_t, libc::SIGKILL) }, 0);
    assert!(
        eventually(Duration::from_secs(20), || !std::path::Path::new(&format!(
            "/proc/{kept}"
        ))
        .exists()),
        "the reaper did not reap {kept}"
    );
}

#[test]
fn children_run_and_are_awaited_on_every_worker_of_a_runtime() {
    bounded(LIMIT, || {
        let rt = baton::Runtime::builder().workers(2).build().unwrap();
        let total = rt.block_on(async {
            let tasks: Vec<_> = (0..20)
                .map(|i| {
                    baton::spawn_send(async move {
                        let mut child = create_subprocess_exec("sh", ["-c", "cat; exit 3"])?;
                        let input = format!("{i}").into_bytes();
                        // Let the task move between polls: the child was spawned here, and
                        // is awaited wherever the task runs next.
                        baton::task::yield_now().await;
                        let output = child.communicate(Some(input.clone())).await?;
                        assert_eq!(output.stdout, input);
                        io::Result::Ok(output.status.code().unwrap())
                    })
                })
                .collect();
            let mut total = 0;
            for task in tasks {
                total += task.await.unwrap().unwrap();
            }
            total
        });
        assert_eq!(total, 60);
    });
}

#[test]
fn a_child_and_its_pipes_may_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<baton::process::Child>();
    send_sync::<baton::process::ChildStdin>();
    send_sync::<baton::process::ChildStdout>();
    send_sync::<baton::process::ChildStderr>();
    send_sync::<baton::process::Command>();
    fn send<T: Send>(_: &T) {}
    run(|| async {
        let mut child = Command::new("true").spawn()?;
        let wait = child.wait();
        send(&wait);
        wait.await?;
        Ok(())
    });
}

#[test]
fn communicate_refuses_input_without_a_stdin_pipe_and_leaves_the_pipes_alone() {
    run(|| async {
        let mut child = Command::new("echo")
            .arg("kept")
            .stdout(Stdio::piped())
            .spawn()?;
        let err = child.communicate(Some(b"x".to_vec())).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(child.stdout.is_some(), "the refusal took nothing");
        let output = child.communicate(None).await?;
        assert_eq!(output.stdout, b"kept\n");
        Ok(())
    });
}

#[test]
fn stderr_to_stdout_interleaves_both_streams_in_one_pipe_and_a_later_stderr_undoes_it() {
    run(|| async {
        // asyncio's stderr=STDOUT: one pipe, in the order the child wrote.
        let script = "echo one; echo two >&2; echo three";
        let mut cmd = Command::new("sh");
        cmd.args(["-c", script]).stderr_to_stdout();
        let output = cmd.output().await?;
        assert_eq!(output.stdout, b"one\ntwo\nthree\n");
        assert!(output.stderr.is_empty());

        // Where stdout is a file, stderr follows it there.
        let path = std::env::temp_dir().join(format!("baton-merge-{}", std::process::id()));
        let file = std::fs::File::create(&path)?;
        let status = Command::new("sh")
            .args(["-c", script])
            .stdout(file)
            .stderr_to_stdout()
            .status()
            .await?;
        assert!(status.success());
        assert_eq!(std::fs::read(&path)?, b"one\ntwo\nthree\n");
        std::fs::remove_file(&path)?;

        // The same command, with stderr set again: two streams once more.
        cmd.stderr(Stdio::piped());
        let output = cmd.output().await?;
        assert_eq!(output.stdout, b"one\nthree\n");
        assert_eq!(output.stderr, b"two\n");
        Ok(())
    });
}

/// `true` when this run watches exits through `SIGCHLD` (a handler is installed), read from
/// the kernel's view of the process: bit `SIGCHLD - 1` of `SigCgt` in /proc/self/status.
fn sigchld_handler_installed() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let mask = status
        .lines()
        .find_map(|l| l.strip_prefix("SigCgt:"))
        .map(|m| u64::from_str_radix(m.trim(), 16).unwrap())
        .unwrap();
    mask & (1 << (libc::SIGCHLD - 1)) != 0
}

#[test]
fn exits_are_watched_by_pidfd_unless_forced_to_sigchld() {
    run(|| async {
        assert!(Command::new("true").status().await?.success());
        let forced = std::env::var_os("BATON_NO_PIDFD").is_some_and(|v| v == "1");
        assert_eq!(sigchld_handler_installed(), forced);
        Ok(())
    });
}

#[test]
fn the_sigchld_fallback_passes_this_whole_file() {
    if std::env::var_os("BATON_NO_PIDFD").is_some() {
        return; // already the re-run
    }
    let output = bounded(Duration::from_secs(300), || {
        std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--skip", "the_sigchld_fallback_passes_this_whole_file"])
            .env("BATON_NO_PIDFD", "1")
            .output()
            .unwrap()
    });
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the re-run with BATON_NO_PIDFD=1 failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("test result: ok"), "{stdout}");
}

/// The `baton-reaper` thread's id, once it runs.
fn reaper_thread() -> Option<String> {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .flatten()
        .map(|task| task.file_name().to_string_lossy().into_owned())
        .find(|tid| {
            std::fs::read_to_string(format!("/proc/self/task/{tid}/comm"))
                .is_ok_and(|comm| comm.trim() == "baton-reaper")
        })
}

/// How many times thread `tid` has gone to sleep (each wake-up from a wait counts one).
fn voluntary_switches(tid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/self/task/{tid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
        .map(|n| n.trim().parse().unwrap())
        .unwrap()
}

#[test]
fn the_reaper_sleeps_while_its_orphans_run_and_wakes_when_one_exits() {
    // The reaper is one thread for the whole process: measured in a process of its own, where
    // no other test's orphans wake it (with pidfds or, in the re-run, `SIGCHLD`).
    if std::env::var_os("BATON_REAPER_ALONE").is_none() {
        let name = "the_reaper_sleeps_while_its_orphans_run_and_wakes_when_one_exits";
        let output = bounded(LIMIT, move || {
            std::process::Command::new(std::env::current_exe().unwrap())
                .args(["--exact", name, "--test-threads=1"])
                .env("BATON_REAPER_ALONE", "1")
                .output()
                .unwrap()
        });
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains("1 passed"),
            "the run alone failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        return;
    }
    let child = bounded(LIMIT, || {
        // Its output is not the test's: `output()` above would wait for the pipe's last writer.
        let mut sleep = Command::new("sleep");
        sleep.arg("60").stdout(Stdio::null()).stderr(Stdio::null());
        baton::run(async move { sleep.spawn() }).unwrap()
    });
    let pid = child.id().unwrap();
    drop(child); // an orphan now, and no loop runs
    let mut reaper = None;
    assert!(eventually(Duration::from_secs(20), || {
        reaper = reaper_thread();
        reaper.is_some()
    }));
    let reaper = reaper.unwrap();
    // Nothing happens for a second: the reaper does not wake (it used to look every 100 ms in
    // the `SIGCHLD` fallback). A loaded machine can only make wake-ups fewer.
    let before = voluntary_switches(&reaper);
    std::thread::sleep(Duration::from_secs(1));
    let woke = voluntary_switches(&reaper) - before;
    // SAFETY: `pid` is our child, not reaped yet (the reaper holds it until it exits).
    assert_eq!(unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) }, 0);
    assert!(woke <= 2, "the idle reaper woke {woke} times in a second");
    assert!(
        eventually(Duration::from_secs(20), || !std::path::Path::new(&format!(
            "/proc/{pid}"
        ))
        .exists()),
        "the killed orphan {pid} was not reaped"
    );
}

#[test]
fn a_child_is_awaited_on_another_loop_after_its_own_loop_closed_or_while_it_is_idle() {
    bounded(LIMIT, || {
        let mut spawner = baton::EventLoop::new().unwrap();
        let (mut exited, mut running) = spawner.run_until_complete(async {
            let exited = Command::new("sh").args(["-c", "exit 3"]).spawn().unwrap();
            // Runs until its stdin closes, which `wait` does.
            let running = Command::new("cat").stdin(Stdio::piped()).spawn().unwrap();
            (exited, running)
        });
        // The spawning loop exists but does not run: the exits must be seen elsewhere.
        let mut other = baton::EventLoop::new().unwrap();
        let code = other.run_until_complete(async { exited.wait().await.unwrap().code() });
        assert_eq!(code, Some(3));
        drop(spawner);
        // And once it has closed, with the child still running then.
        let code = other.run_until_complete(async { running.wait().await.unwrap().code() });
        assert_eq!(code, Some(0));
    });
}
