"""exec (README: process maps, "Processes"): a process is reported with the argv and environment
of its last successful exec, whether the root or a child execs, once or several times, from a
thread other than the main one, or is killed before its new program makes a traced call; a failed
exec changes nothing.
"""
import os
import signal

from roartest import (assert_files, by_pid, is_static_elf, ok, process_with, py, read_bytes,
                      record, skip, summary, trace, workdir, write)

CONTENT = b"gamma\nalpha\nbeta\n"


# ----------------------------------------------------------------------------- exec

def test_exec_in_the_root_replaces_its_command():
    with workdir() as tmp:
        write(os.path.join(tmp, "x"), CONTENT)
        run = trace(["sh", "-c", "exec cat x"], tmp)
        ok(run)
        assert run.stdout == CONTENT
        procs = by_pid(run)
        assert len(procs) == 1, summary(run)
        root = run.root()
        assert root["command"] == ["cat", "x"]
        assert root["parent_pid"] is None
        assert record(run, tmp, "x")["read_threads"] == [root["pid"]]


def test_exec_then_killed_before_any_traced_call_reports_the_new_program():
    busybox = "/bin/busybox"
    if not os.path.exists(busybox) or not is_static_elf(busybox):
        skip("/bin/busybox is missing or not static (install busybox-static)")
    with workdir() as tmp:
        # Static busybox running `kill -9 $$` makes no file I/O, mmap, exec or exit call after
        # its exec: the exec succeeded all the same, so the root's argv is busybox's.
        run = trace(["sh", "-c", f'exec {busybox} sh -c "kill -9 \\$\\$"'], tmp)
        assert run.exit_code == 128 + signal.SIGKILL, run.stderr
        procs = by_pid(run)
        assert len(procs) == 1, summary(run)
        assert run.root()["command"] == [busybox, "sh", "-c", "kill -9 $$"], summary(run)


def test_failed_exec_changes_nothing():
    with workdir() as tmp:
        code = (
            "import os, sys\n"
            "pid = os.fork()\n"
            "if pid == 0:\n"
            "    try:\n"
            "        os.execv('/nonexistent/roar-missing-program', ['roar-missing-program'])\n"
            "    except FileNotFoundError:\n"
            "        pass\n"
            "    fd = os.open('after.txt', os.O_WRONLY | os.O_CREAT | os.O_TRUNC)\n"
            "    os.write(fd, b'still python\\n')\n"
            "    os._exit(0)\n"
            "_, status = os.waitpid(pid, 0)\n"
            "print(pid)\n"
            "sys.exit(os.waitstatus_to_exitcode(status))\n")
        argv = py(code)
        run = trace(argv, tmp)
        ok(run)
        child = int(run.stdout)
        procs = by_pid(run)
        assert set(procs) == {run.root()["pid"], child}, summary(run)
        assert procs[child]["command"] == argv, summary(run)
        assert procs[child]["parent_pid"] == run.root()["pid"]
        assert run.root()["command"] == argv
        assert_files(run, reads=set(), writes={"after.txt"}, opened_only=set())
        assert record(run, tmp, "after.txt")["written_threads"] == [child]


def test_failed_exec_in_the_root_keeps_its_command():
    with workdir() as tmp:
        argv = ["sh", "-c", "exec /nonexistent/roar-missing-program; echo unreachable"]
        run = trace(argv, tmp)
        # dash exits 127 when exec fails; the tracer passes the status on.
        assert run.exit_code == 127, run.stderr
        procs = by_pid(run)
        assert len(procs) == 1, summary(run)
        assert run.root()["command"] == argv


def test_root_that_execs_twice_reports_the_last_program():
    with workdir() as tmp:
        write(os.path.join(tmp, "x"), CONTENT)
        # sh -> env -> cat, all in the root process.
        run = trace(["sh", "-c", "exec env ROAR_STEP=2 cat x"], tmp)
        ok(run)
        assert run.stdout == CONTENT
        procs = by_pid(run)
        assert len(procs) == 1, summary(run)
        root = run.root()
        assert root["command"] == ["cat", "x"], summary(run)
        assert root["env"].get("ROAR_STEP") == "2", root["env"]
        assert record(run, tmp, "x")["read_threads"] == [root["pid"]]


def test_child_that_execs_three_times_reports_the_last_program():
    with workdir() as tmp:
        write(os.path.join(tmp, "x"), CONTENT)
        # The child: sh -> sh -> env -> cat.
        argv = ["sh", "-c", "sh -c 'exec env ROAR_STEP=3 cat x'; true"]
        run = trace(argv, tmp)
        ok(run)
        procs = by_pid(run)
        assert len(procs) == 2, summary(run)
        root = run.root()
        assert root["command"] == argv
        child = process_with(run, ["cat", "x"])
        assert child["parent_pid"] == root["pid"]
        assert child["env"].get("ROAR_STEP") == "3", child["env"]
        assert "ROAR_STEP" not in root["env"], root["env"]
        assert record(run, tmp, "x")["read_threads"] == [child["pid"]]


def test_exec_from_a_non_main_thread():
    with workdir() as tmp:
        code = (
            "import os, threading\n"
            "def run():\n"
            "    os.execv('/bin/sh', ['sh', '-c', 'echo $$ > t.txt'])\n"
            "t = threading.Thread(target=run)\n"
            "t.start()\n"
            "t.join()\n")
        run = trace(py(code), tmp)
        ok(run)
        procs = by_pid(run)
        root = run.root()
        # The exec'ing thread takes over the process: same pid, the shell's argv.
        assert len(procs) == 1, summary(run)
        assert root["command"] == ["sh", "-c", "echo $$ > t.txt"], summary(run)
        assert int(read_bytes(os.path.join(tmp, "t.txt"))) == root["pid"]
        assert_files(run, reads=set(), writes={"t.txt"}, opened_only=set())
        assert record(run, tmp, "t.txt")["written_threads"] == [root["pid"]]


def test_environment_at_exec():
    with workdir() as tmp:
        write(os.path.join(tmp, "x"), CONTENT)
        env = {k: v for k, v in os.environ.items() if k != "FOO"}
        env["ROAR_DROPPED"] = "yes"
        # env execs sh with FOO added and ROAR_DROPPED removed; sh forks cat, which inherits it.
        run = trace(["env", "-u", "ROAR_DROPPED", "FOO=bar", "sh", "-c", "cat x; true"], tmp,
                    env=env)
        ok(run)
        procs = by_pid(run)
        assert len(procs) == 2, summary(run)
        root = run.root()
        assert root["command"] == ["sh", "-c", "cat x; true"], summary(run)
        assert root["env"].get("FOO") == "bar", root["env"]
        assert "ROAR_DROPPED" not in root["env"], root["env"]
        cat = process_with(run, ["cat", "x"])
        assert cat["parent_pid"] == root["pid"]
        assert cat["env"].get("FOO") == "bar", cat["env"]
        assert "ROAR_DROPPED" not in cat["env"], cat["env"]
        assert cat["env"].get("PATH") == env["PATH"]
