"""Every outcome (README: exit statuses, "written in every outcome"): the report and exit status
when the command is missing, fails, is killed, or the tracer is signalled (the signal is forwarded
to the command, or to the background processes once the root has exited).

Not covered: that a signal typed at a terminal (which reaches the tracer and the command, one
process group) is not delivered twice; that needs a controlling terminal.

No test asserts elapsed time. Sleeps happen only inside traced commands that need a process to
still be running when a signal comes.
"""
import os
import signal
import time

import roartest
from roartest import (assert_files, by_pid, cmdline_of, read_bytes, record, summary, trace,
                      workdir)


# ----------------------------------------------------------------------------- local helpers

def wait_until(condition, what, limit=60.0):
    """Polls `condition` (test-side, not traced); fails the scenario if it never holds."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.02)


def file_holds(path, data):
    def check():
        try:
            return read_bytes(path) == data
        except OSError:
            return False
    return check


def children_of(pid):
    """Children of every thread of `pid`, from /proc."""
    out = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return out


class SignalWhen:
    """A send_signal hook for trace(): once `condition(proc)` holds, `sig` goes to the tracer
    (from this process: a signal "sent by another process", SI_USER). If the condition never
    holds, the signal is sent anyway so that the run ends, and `missed` says what was awaited."""

    def __init__(self, condition, sig, what):
        self.condition, self.sig, self.what = condition, sig, what
        self.missed = None

    def __call__(self, proc):
        try:
            wait_until(lambda: proc.poll() is not None or self.condition(proc), self.what)
        except AssertionError as e:
            self.missed = str(e)
        if proc.poll() is None:
            roartest.kill_after_start(self.sig, delay=0)(proc)

    def check(self):
        assert self.missed is None, self.missed


# ----------------------------------------------------------------------------- every outcome

def test_command_not_found_exits_127_with_a_report():
    with workdir() as tmp:
        argv = ["./roar-missing-program", "arg"]
        run = trace(argv, tmp)
        assert run.exit_code == 127, run.stderr
        assert "roar-seccomp:" in run.stderr and "roar-missing-program" in run.stderr
        procs = by_pid(run)
        assert len(procs) == 1, summary(run)
        assert run.root()["command"] == argv
        assert_files(run, reads=set(), writes=set(), opened_only=set())


def test_command_killed_by_sigkill_exits_137_with_a_report():
    with workdir() as tmp:
        argv = ["sh", "-c", "echo x > a; kill -KILL $$"]
        run = trace(argv, tmp)
        assert run.exit_code == 137, run.stderr
        assert read_bytes(os.path.join(tmp, "a")) == b"x\n"
        assert_files(run, reads=set(), writes={"a"}, opened_only=set())
        assert run.root()["command"] == argv
        assert record(run, tmp, "a")["written_threads"] == [run.root()["pid"]]


def test_command_exits_3_with_a_report():
    with workdir() as tmp:
        argv = ["sh", "-c", "echo x > a; exit 3"]
        run = trace(argv, tmp)
        assert run.exit_code == 3, run.stderr
        assert_files(run, reads=set(), writes={"a"}, opened_only=set())
        assert run.root()["command"] == argv


def maps_of(pid):
    try:
        return read_bytes(f"/proc/{pid}/maps")
    except OSError:
        return b""


def _root_runs_sleep(tmp):
    """Condition: the file a holds x, and the tracer's child (the root) has exec'd sleep 30 and
    mapped libc, a traced call of the new image that the tracer has answered (so it could see
    the new argv; the killed-before-any-traced-call case is its own scenario)."""
    def check(proc):
        if not file_holds(os.path.join(tmp, "a"), b"x\n")():
            return False
        return any(cmdline_of(c) == b"sleep\x0030\x00" and b"/libc" in maps_of(c)
                   for c in children_of(proc.pid))
    return check


def _tracer_signalled(sig):
    with workdir() as tmp:
        argv = ["sh", "-c", "echo x > a; exec sleep 30"]
        hook = SignalWhen(_root_runs_sleep(tmp), sig, "the command to run sleep 30")
        run = trace(argv, tmp, send_signal=hook)
        hook.check()
        # Forwarded to the command, which dies of it; the tracer exits as the command did.
        assert run.exit_code == 128 + sig, f"exit {run.exit_code}; stderr: {run.stderr}"
        assert_files(run, reads=set(), writes={"a"}, opened_only=set())
        procs = by_pid(run)
        assert len(procs) == 1, summary(run)
        root = run.root()
        assert root["command"] == ["sleep", "30"]
        assert record(run, tmp, "a")["written_threads"] == [root["pid"]]


def test_tracer_sigterm_is_forwarded_and_the_report_written():
    _tracer_signalled(signal.SIGTERM)


def test_tracer_sigint_is_forwarded_and_the_report_written():
    _tracer_signalled(signal.SIGINT)


def test_tracer_sighup_is_forwarded_and_the_report_written():
    _tracer_signalled(signal.SIGHUP)


def test_tracer_sigterm_soon_after_start():
    with workdir() as tmp:
        run = trace(["sleep", "30"], tmp, send_signal=roartest.kill_after_start(signal.SIGTERM))
        assert run.exit_code == 128 + signal.SIGTERM, run.stderr
        assert run.root()["command"] == ["sleep", "30"]
        assert len(by_pid(run)) == 1, summary(run)


def test_tracer_signal_after_the_command_exited_goes_to_background_processes():
    with workdir() as tmp:
        argv = ["sh", "-c", "echo $$ > root.pid; "
                "(echo x > a; sleep 30; echo late > late.txt) >/dev/null 2>&1 &"]

        def ready(proc):
            # The background job has written a, and the root has exited and been reaped.
            try:
                root = int(read_bytes(os.path.join(tmp, "root.pid")))
            except (OSError, ValueError):
                return False
            return file_holds(os.path.join(tmp, "a"), b"x\n")() and \
                not os.path.exists(f"/proc/{root}") and bool(children_of(proc.pid))

        hook = SignalWhen(ready, signal.SIGTERM, "the root to exit, leaving its job")
        run = trace(argv, tmp, send_signal=hook)
        hook.check()
        # The background job died of the forwarded signal; the exit status is the root's.
        assert run.exit_code == 0, f"exit {run.exit_code}; stderr: {run.stderr}"
        assert not os.path.exists(os.path.join(tmp, "late.txt"))
        assert_files(run, reads=set(), writes={"root.pid", "a"}, opened_only=set())
        procs = by_pid(run)
        root = run.root()
        assert int(read_bytes(os.path.join(tmp, "root.pid"))) == root["pid"]
        writer = record(run, tmp, "a")["written_threads"]
        assert len(writer) == 1 and procs[writer[0]]["parent_pid"] == root["pid"], writer
