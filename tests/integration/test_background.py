"""Processes that outlive the root (README "Processes", "written in every outcome"): background
processes and double-forked daemons are waited for and announced (-q keeps quiet), an orphan of a
killed root keeps its parent, and --wait-timeout bounds the wait, killing stragglers.

No test asserts elapsed time. Sleeps happen only inside traced commands that need a process to
outlive the root.
"""
import os

from roartest import (assert_files, by_pid, cmdline_of, ok, process_with, py, read_bytes, record,
                      summary, trace, warnings_text, workdir)


# ----------------------------------------------------------------------------- outliving the root

def test_background_subshell_is_waited_for_and_announced():
    with workdir() as tmp:
        # The background job holds neither the tracer's stdout nor its stderr, so only the
        # tracer's own wait keeps trace() from returning before it finishes.
        argv = ["sh", "-c", "(sleep 2; echo late > late.txt) >/dev/null 2>&1 &"]
        run = trace(argv, tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "late.txt")) == b"late\n"
        assert_files(run, reads=set(), writes={"late.txt"}, opened_only=set())
        assert "roar-seccomp:" in run.stderr and "waiting for" in run.stderr, run.stderr
        procs = by_pid(run)
        root = run.root()
        assert len(procs) == 3, summary(run)
        writer = record(run, tmp, "late.txt")["written_threads"]
        assert len(writer) == 1 and writer[0] in procs and writer[0] != root["pid"], writer
        subshell = procs[writer[0]]
        assert subshell["parent_pid"] == root["pid"], summary(run)
        assert subshell["command"] == argv
        sleep = process_with(run, ["sleep", "2"])
        assert sleep["parent_pid"] == subshell["pid"]


def test_quiet_suppresses_the_wait_announcement():
    with workdir() as tmp:
        argv = ["sh", "-c", "(sleep 2; echo late > late.txt) >/dev/null 2>&1 &"]
        run = trace(argv, tmp, tracer_args=["-q"])
        ok(run)
        assert read_bytes(os.path.join(tmp, "late.txt")) == b"late\n"
        assert_files(run, reads=set(), writes={"late.txt"}, opened_only=set())
        assert run.stderr == "", run.stderr


def test_orphan_of_a_killed_root_keeps_its_parent():
    with workdir() as tmp:
        # The root dies of SIGKILL (no exit call of its own) while its background job is still
        # in sleep; the job's first file access comes after it was re-parented to the tracer.
        argv = ["sh", "-c", "(sleep 0.5; echo late > late.txt) & kill -KILL $$"]
        run = trace(argv, tmp)
        assert run.exit_code == 137, run.stderr
        assert read_bytes(os.path.join(tmp, "late.txt")) == b"late\n"
        assert_files(run, reads=set(), writes={"late.txt"}, opened_only=set())
        procs = by_pid(run)
        root = run.root()
        writer = record(run, tmp, "late.txt")["written_threads"]
        assert len(writer) == 1 and writer[0] in procs, (writer, summary(run))
        assert procs[writer[0]]["parent_pid"] == root["pid"], summary(run)
        assert procs[writer[0]]["command"] == argv
        sleep = process_with(run, ["sleep", "0.5"])
        assert sleep["parent_pid"] == writer[0], summary(run)
        assert len(procs) == 3, summary(run)


def test_double_forked_daemon_is_waited_for():
    with workdir() as tmp:
        code = (
            "import os, sys, time\n"
            "a = os.fork()\n"
            "if a == 0:\n"
            "    os.setsid()\n"
            "    if os.fork() != 0:\n"
            "        os._exit(0)\n"
            "    null = os.open('/dev/null', os.O_RDWR)\n"
            "    for fd in (0, 1, 2):\n"
            "        os.dup2(null, fd)\n"
            "    time.sleep(2)\n"
            "    fd = os.open('daemon.txt', os.O_WRONLY | os.O_CREAT | os.O_TRUNC)\n"
            "    os.write(fd, f'{os.getpid()} {os.getsid(0)}\\n'.encode())\n"
            "    os._exit(0)\n"
            "_, status = os.waitpid(a, 0)\n"
            "print(a)\n"
            "sys.exit(os.waitstatus_to_exitcode(status))\n")
        argv = py(code)
        run = trace(argv, tmp)
        ok(run)
        a = int(run.stdout)
        # The daemon wrote after the root had exited; trace() returned after that.
        daemon, session = (int(x) for x in read_bytes(os.path.join(tmp, "daemon.txt")).split())
        assert session == a, "the daemon runs in the session its parent created"
        assert_files(run, reads=set(), writes={"daemon.txt"}, opened_only=set())
        assert "waiting for" in run.stderr, run.stderr
        procs = by_pid(run)
        root = run.root()
        assert set(procs) == {root["pid"], a, daemon}, summary(run)
        assert procs[a]["parent_pid"] == root["pid"]
        assert procs[daemon]["parent_pid"] == a, summary(run)
        assert procs[daemon]["command"] == argv
        assert record(run, tmp, "daemon.txt")["written_threads"] == [daemon]


def test_wait_timeout_kills_stragglers_and_keeps_the_root_status():
    with workdir() as tmp:
        # Without the kill, the straggler would write late.txt 30 s later and trace() would wait.
        argv = ["sh", "-c", "(sleep 30; echo late > late.txt) >/dev/null 2>&1 & echo x > a; exit 5"]
        run = trace(argv, tmp, tracer_args=["--wait-timeout", "0.3"])
        assert run.exit_code == 5, run.stderr
        assert not os.path.exists(os.path.join(tmp, "late.txt"))
        assert_files(run, reads=set(), writes={"a"}, opened_only=set())
        text = warnings_text(run)
        assert "--wait-timeout" in text and "killed" in text, run.warnings()
        assert "killed" in run.stderr, run.stderr
        procs = by_pid(run)
        sleep = process_with(run, ["sleep", "30"])
        # Nothing of the tree is left running.
        for pid in procs:
            assert cmdline_of(pid) != b"sleep\x0030\x00", f"{pid} still runs sleep 30"
        assert procs[sleep["parent_pid"]]["parent_pid"] == run.root()["pid"]


def test_wait_timeout_longer_than_the_background_work_kills_nothing():
    with workdir() as tmp:
        argv = ["sh", "-c", "(sleep 0.2; echo late > late.txt) >/dev/null 2>&1 &"]
        run = trace(argv, tmp, tracer_args=["--wait-timeout", "120"])
        ok(run)
        assert read_bytes(os.path.join(tmp, "late.txt")) == b"late\n"
        assert_files(run, reads=set(), writes={"late.txt"}, opened_only=set())
        assert "wait-timeout" not in warnings_text(run), run.warnings()
        assert "killed" not in run.stderr, run.stderr
