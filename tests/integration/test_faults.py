"""Faults (README "Failure modes"): the supervisor
answers every notification exactly once and keeps going when callers are interrupted by signals
(with SA_RESTART a notified call is withdrawn and notified again; without it, it fails with EINTR
and counts for nothing), when threads and processes vanish with calls pending (RECV/SEND/ID_VALID
fail with ENOENT), and when traced processes block on pipes and FIFOs (it never blocks on them
itself); a program that installs a seccomp filter of its own is still traced, and one that asks
for a listener of its own gets the kernel's EBUSY with a report warning; SIGKILL of the tracer
does not leave the command hanging. A FUSE file system served by a process of the traced tree
(fx_fuse, raw /dev/fuse in a user namespace) never makes the supervisor wait on that process.

A notification that is never answered leaves its thread blocked, so the run hangs: every run here
is bounded (trace()'s timeout) and fails rather than hangs. A failed RECV/SEND is logged as a
`roar-seccomp:` error line, so the scenarios also require a silent tracer. Scenario programs
check every call they make (fx_signals, fx_pending and fx_seccomp exit 3 on a failed call,
EINTR included where SA_RESTART must restart it, and 4 on a wrong result), so "all I/O
succeeded" is the fixture's exit status 0.

Not covered: the freezer or a ptrace attach as sources of re-notification (they need privileges
or a second tracer).
No test asserts elapsed time; waits are bounded failure guards.
"""
import os
import platform
import shutil
import signal
import subprocess
import tempfile
import time

import roartest
from roartest import (assert_files, fixture, fx_program, ok, summary, threads_of, trace,
                      tracer_silent, workdir, write)


# ----------------------------------------------------------------------------- local helpers

def stdout_lines(run):
    return run.stdout.decode().splitlines()


def counted(run, what):
    """The fixture's "signals N" (handled), "restarts N" (taken on a syscall instruction: an
    interrupted call the kernel restarts, notified again; counted on x86-64 only) or
    "interrupted N" (calls that failed with EINTR), "files N" (files made)."""
    counts = [int(line.split()[1]) for line in stdout_lines(run) if line.startswith(what + " ")]
    assert len(counts) == 1, run.stdout
    return counts[0]


def wait_until(condition, what, limit=30.0):
    """Polls `condition` (test side, untraced); fails the scenario if it never holds."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {limit:.0f} s waiting for {what}")
        time.sleep(0.02)


# ----------------------------------------------------------------------------- signals

def test_self_signals_in_a_tight_loop_during_file_io():
    """One thread writes and reads back 8 files 15 times over (about 600 notified calls),
    raising SIGUSR1 at itself before each file while another thread sends the process SIGUSR1
    in a tight loop (SA_RESTART handler): notified calls are interrupted and notified again (on
    x86-64 the fixture counts them: hundreds to tens of thousands here, and there must be some).
    Every call succeeds and the sets are exact, attributed to the one I/O thread."""
    with workdir() as tmp:
        run = trace(fx_program("fx_signals", "signal-storm", tmp, "8", "15"), tmp)
        ok(run)
        tracer_silent(run)
        assert counted(run, "signals") > 0, run.stdout
        if platform.machine() == "x86_64":
            assert counted(run, "restarts") > 0, run.stdout
        names = {f"storm_{k}" for k in range(8)}
        assert_files(run, reads=names, writes=names, opened_only=set())
        io_thread = run.root()["pid"]  # the main thread does the I/O
        for name in names:
            assert threads_of(run, tmp, name) == ([io_thread], [io_thread]), name


def test_calls_interrupted_without_sa_restart_fail_and_count_for_nothing():
    """A storm (a signal every ~20 µs) with a handler without SA_RESTART: a notified call
    interrupted before the supervisor took it fails with EINTR (a received one cannot be
    interrupted any more; workers waiting in NOTIF_RECV take calls so soon that few are, so
    the fixture adds files past 300 until one was). For each file the fixture makes one 1-byte
    write and one 1-byte read and prints those that succeeded: exactly those files are written
    and read, whatever the signals hit."""
    with workdir() as tmp:
        run = trace(fx_program("fx_signals", "signal-eintr", tmp, "300"), tmp)
        ok(run)
        tracer_silent(run)
        lines = stdout_lines(run)
        wrote = {line[2:] for line in lines if line.startswith("W ")}
        read = {line[2:] for line in lines if line.startswith("R ")}
        assert counted(run, "interrupted") > 0, "no call was interrupted: nothing was tested"
        assert read <= wrote, "fixture: a file read back a byte that was never written"
        made = counted(run, "files")
        assert made >= 300, run.stdout
        opened = {f"eintr_{k}" for k in range(made)} - wrote - read
        assert_files(run, reads=read, writes=wrote, opened_only=opened)


def test_go_like_threads_with_sigurg_storm():
    """Like a Go program: 32 threads write, read back and pread files (20 rounds each) while
    another thread sends SIGURG to each of them every ~200 µs (SA_RESTART handler). All I/O
    succeeds; each t_I is read and written by exactly its own thread, and `shared` is read by
    all 32. On x86-64 the fixture also counts signals taken on a `syscall` instruction, i.e. calls
    withdrawn and restarted (thousands here): there must be some, or the scenario tested nothing."""
    n = 32
    with workdir() as tmp:
        write(os.path.join(tmp, "shared"), "abcdef")
        run = trace(fx_program("fx_signals", "threads", tmp, str(n), "20", "urg"), tmp)
        ok(run)
        tracer_silent(run)
        assert counted(run, "signals") > 0, run.stdout
        if platform.machine() == "x86_64":
            # The scenario exercised what it is for: calls withdrawn and notified again.
            assert counted(run, "restarts") > 0, run.stdout
        tids = dict(line.split() for line in stdout_lines(run) if line.startswith("t_"))
        names = {f"t_{i}" for i in range(n)}
        assert set(tids) == names, run.stdout
        assert len(set(tids.values())) == n, "thread ids are not distinct"
        assert_files(run, reads=names | {"shared"}, writes=names, opened_only=set())
        for name, tid in tids.items():
            assert threads_of(run, tmp, name) == ([int(tid)], [int(tid)]), name
        assert threads_of(run, tmp, "shared") == (sorted(int(t) for t in tids.values()), [])
        assert len(run.processes()) == 1, summary(run)


def test_threads_and_processes_vanishing_with_calls_in_flight():
    """Six children with four threads each write their own files in a loop; even children are
    SIGKILLed and odd ones call _exit from their main thread while the other threads are inside
    (or queued in) notified calls. The supervisor carries on: every file each thread wrote
    before the child vanished is written, every child is reported, and the root's last file
    (written after all of that) is in the report."""
    children, threads = 6, 4
    with workdir() as tmp:
        run = trace(fx_program("fx_pending", "vanish", tmp, str(children), str(threads)), tmp)
        ok(run)
        tracer_silent(run)
        names = {f"v_{c}_{t}" for c in range(children) for t in range(threads)} | {"final"}
        assert_files(run, reads=set(), writes=names, opened_only=set())
        root = run.root()
        procs = run.processes()
        assert len(procs) == children + 1, summary(run)
        assert all(p["parent_pid"] == root["pid"] for p in procs if p is not root), summary(run)
        assert threads_of(run, tmp, "final") == ([], [root["pid"]])


# ----------------------------------------------------------------------------- pipes and FIFOs

def test_reader_blocked_on_an_empty_pipe_while_a_writer_comes_later():
    """The parent blocks in read(2) of an empty pipe; meanwhile the child writes a file (served
    while the reader waits) and later fills the pipe. Pipes have no path: only the files count."""
    with workdir() as tmp:
        run = trace(fx_program("fx_pending", "pipe-late", tmp), tmp)
        ok(run)
        tracer_silent(run)
        assert_files(run, reads=set(), writes={"side", "out"}, opened_only=set())
        with open(os.path.join(tmp, "out")) as f:
            assert f.read() == "late\n"


def test_named_fifo_read_and_written_through_with_a_blocked_reader():
    """A child opens DIR/fifo for writing, the parent for reading and blocks reading it while
    it is empty; the child writes a file, then the FIFO. The FIFO has a path: it is read (bytes
    came out of it to the tree) and written (the tree put bytes into it)."""
    with workdir() as tmp:
        os.mkfifo(os.path.join(tmp, "fifo"))
        run = trace(fx_program("fx_pending", "fifo", tmp), tmp)
        ok(run)
        tracer_silent(run)
        assert_files(run, reads={"fifo"}, writes={"fifo", "side", "out"}, opened_only=set())
        with open(os.path.join(tmp, "out")) as f:
            assert f.read() == "through the fifo\n"
        procs = run.processes()
        assert len(procs) == 2, summary(run)
        child = [p for p in procs if p["parent_pid"] is not None][0]
        root = run.root()
        assert threads_of(run, tmp, "fifo") == ([root["pid"]], [child["pid"]])


def test_shell_writes_a_fifo_opened_with_o_trunc_while_cat_reads_it():
    """`echo > fifo` opens the FIFO with O_CREAT|O_TRUNC, a notified open, and blocks until the
    reader comes; the supervisor must not open the FIFO to look at it."""
    with workdir() as tmp:
        os.mkfifo(os.path.join(tmp, "fifo"))
        script = "cat fifo > out & sleep 0.2; echo hello > fifo; wait"
        run = trace(["sh", "-c", script], tmp)
        ok(run)
        tracer_silent(run)
        assert_files(run, reads={"fifo"}, writes={"fifo", "out"}, opened_only=set())
        with open(os.path.join(tmp, "out")) as f:
            assert f.read() == "hello\n"


# ----------------------------------------------------------------------------- FUSE

FUSE_WARNING = "a path argument led into a FUSE file system mounted during the run"


def fuse_serving(tmp, valid, script):
    """argv that mounts fx_fuse on TMP/mnt (kernel caches valid for VALID s) and runs the shell
    SCRIPT in TMP while the one-threaded server answers; skips where FUSE cannot be mounted."""
    os.mkdir(os.path.join(tmp, "mnt"))
    argv = [fixture("fx_fuse"), "serve", str(valid), "mnt", "sh", "-c", script]
    probe = subprocess.run(argv[:4] + ["true"], cwd=tmp, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
    if probe.returncode == 5:
        roartest.skip(probe.stderr.decode().strip())
    assert probe.returncode == 0, probe.stderr.decode()
    return argv


@roartest.world_usable_device("/dev/fuse")
def test_fuse_served_by_the_traced_tree_never_blocks_the_supervisor():
    """The server of a FUSE file system is a traced process with one thread, and the kernel may
    cache nothing (VALID 0), so every path walk into the mount waits on that thread, which waits
    for the supervisor to answer its read(2) of /dev/fuse: a supervisor that walked such a path
    would hang the run (it did before walks became RESOLVE_CACHED-first). Descriptor-based
    attribution stays exact: a and b are written and read. The rename's effect on b can be
    checked only when the kernel still has b cached; when it cannot be, the report says so and
    is marked incomplete (b is written here by truncate as well, so the sets are exact either
    way)."""
    with workdir() as tmp:
        script = ("echo hello > mnt/a && cat mnt/a > out && mv mnt/a mnt/b && cat mnt/b && "
                  "truncate -s 3 mnt/b")
        run = trace(fuse_serving(tmp, 0, script), tmp, timeout=120)
        ok(run)
        tracer_silent(run)
        assert run.stdout == b"hello\n"
        assert_files(run, reads={"mnt/a", "mnt/b"}, writes={"mnt/a", "mnt/b", "out"},
                     opened_only=set())
        warnings = run.warnings()
        assert all(w.startswith(FUSE_WARNING) for w in warnings), warnings
        assert run.report["complete"] == (not warnings)


@roartest.world_usable_device("/dev/fuse")
def test_fuse_with_cached_names_is_attributed_exactly():
    """The same server letting the kernel cache names for 60 s: the walks the supervisor needs
    come from the dentry cache (a name not yet looked up, such as the rename's new name, is
    checked after the call), so the rename into the mount is a write, a failed hard link (this
    file system has none) writes nothing, and nothing is lost."""
    with workdir() as tmp:
        script = ("echo hello > mnt/a && cat mnt/a && mv mnt/a mnt/b && cat mnt/b > out; "
                  "ln mnt/b mnt/d 2>/dev/null; test ! -e mnt/d")
        run = trace(fuse_serving(tmp, 60, script), tmp, timeout=120)
        ok(run)
        tracer_silent(run)
        assert_files(run, reads={"mnt/a", "mnt/b"}, writes={"mnt/a", "mnt/b", "out"},
                     opened_only=set())
        assert run.warnings() == [], run.warnings()
        assert run.report["complete"] is True
        mv = [p for p in run.processes() if p["command"][:1] == ["mv"]]
        assert len(mv) == 1, summary(run)
        assert threads_of(run, tmp, "mnt/b")[1] == [mv[0]["pid"]]


# ----------------------------------------------------------------------------- seccomp in the tree

def test_program_with_its_own_plain_filter_is_still_traced():
    """The program installs a second filter (sysinfo fails with E2BIG, the rest allowed; the
    fixture checks both), then writes a file, reads one, and forks a child that writes one:
    all of it is in the report, with no warning."""
    with workdir() as tmp:
        write(os.path.join(tmp, "input"), "in\n")
        run = trace(fx_program("fx_seccomp", "seccomp-filter", tmp), tmp)
        if run.exit_code == 5:
            roartest.skip(f"the kernel refuses a second seccomp filter here: {run.stderr}")
        ok(run)
        tracer_silent(run)
        assert_files(run, reads={"input"}, writes={"after_filter", "child_after_filter"},
                     opened_only=set())
        assert len(run.processes()) == 2, summary(run)
        assert run.warnings() == [], run.warnings()


def test_program_asking_for_its_own_listener_gets_ebusy_and_a_warning():
    """seccomp(SECCOMP_FILTER_FLAG_NEW_LISTENER) in the tree fails with EBUSY (one listener per
    filter chain; the fixture exits 4 on anything else); the report warns about it and the
    program's later I/O is recorded."""
    with workdir() as tmp:
        run = trace(fx_program("fx_seccomp", "seccomp-listener", tmp), tmp)
        ok(run)
        assert run.stdout == b"EBUSY\n"
        assert_files(run, reads=set(), writes={"after_listener"}, opened_only=set())
        warnings = run.warnings()
        assert any("EBUSY" in w and "listener" in w for w in warnings), warnings
        assert len(warnings) == 1, warnings


# ----------------------------------------------------------------------------- tracer killed

def _process_gone(pid, start_time):
    """True once `pid` no longer runs the process that started at `start_time` (zombies count
    as gone: nothing runs, whoever reaps them)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return True
    return fields[0] in ("Z", "X") or int(fields[19]) != start_time


def test_sigkill_of_the_tracer_does_not_leave_the_command_hanging():
    """SIGKILL the tracer while `sh -c 'echo started > s; sleep 300'` runs: its command's process
    (the tracer's child, killed by PR_SET_PDEATHSIG) must be gone within 30 s (a failure bound,
    not a timing claim; the sleep outlasts it so that a shell left running is caught), and no
    report or temporary file is left. Processes the command started (here `sleep`, if the shell
    forks it) are not the tracer's children: they continue, and their traced calls fail with
    ENOSYS (documented behaviour); the test kills them afterwards."""
    if not roartest.TRACER:
        roartest.skip("ROAR_SECCOMP is not set: run the scenarios through ctest")
    with workdir() as tmp:
        report_dir = tempfile.mkdtemp(prefix="roar-report-")
        report = os.path.join(report_dir, "report.msgpack")
        proc = subprocess.Popen([roartest.TRACER, report, "--", "sh", "-c",
                                 "echo started > s; sleep 300"],
                                cwd=tmp, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, start_new_session=True)
        try:
            marker = os.path.join(tmp, "s")

            def started():
                assert proc.poll() is None, f"the tracer ended early: {proc.returncode}"
                try:
                    with open(marker) as f:
                        return f.read() == "started\n"
                except OSError:
                    return False

            wait_until(started, "the command to write s")
            children = []
            for tid in os.listdir(f"/proc/{proc.pid}/task"):
                with open(f"/proc/{proc.pid}/task/{tid}/children") as f:
                    children += [int(c) for c in f.read().split()]
            assert len(children) == 1, f"the tracer's children: {children}"
            child = children[0]
            with open(f"/proc/{child}/stat") as f:
                child_start = int(f.read().rsplit(")", 1)[1].split()[19])
            proc.kill()
            proc.wait(timeout=30)
            assert proc.returncode == -signal.SIGKILL, proc.returncode
            wait_until(lambda: _process_gone(child, child_start),
                       f"the command's process {child} to end after the tracer's SIGKILL")
            left = os.listdir(report_dir)
            assert left == [], f"left in the report directory: {left}"
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # stragglers of the command, if any
            except (ProcessLookupError, PermissionError):
                pass
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            proc.stderr.close()
            shutil.rmtree(report_dir, ignore_errors=True)
