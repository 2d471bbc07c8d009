"""Process scenarios (README: process maps, "Processes", exit statuses, "written in every
outcome"): every process of the tree appears once with its parent, the argv and environment of its
last successful exec, vfork/posix_spawn children, static binaries, processes in a new pid
namespace, background processes and double-forked daemons that outlive the root (waited for,
announced, bounded by --wait-timeout), thread ids of the I/O, io_uring refused or allowed, and the
report and exit status when the command is missing, fails, is killed, or the tracer is signalled.

Not covered: that a signal typed at a terminal (which reaches the tracer and the command, one
process group) is not delivered twice; that needs a controlling terminal.

No test asserts elapsed time. Sleeps happen only inside traced commands that need a process to
outlive the root or to still be running when a signal comes.
"""
import os
import signal
import subprocess
import time

import roartest
from roartest import (assert_files, fixture, ok, py, read_bytes, record, skip, summary, trace,
                      unprivileged, workdir, write)

CONTENT = b"gamma\nalpha\nbeta\n"


# ----------------------------------------------------------------------------- local helpers

def fx(*args):
    """argv of the fx_proc scenario program."""
    return [fixture("fx_proc"), *args]


def by_pid(run):
    procs = run.processes()
    pids = [p["pid"] for p in procs]
    assert len(pids) == len(set(pids)), f"a pid appears twice: {summary(run)}"
    # Every process of the tree appears, so every parent but the root's is in the report too.
    for p in procs:
        assert p["parent_pid"] is None or p["parent_pid"] in pids, \
            f"the parent of {p['pid']} is not in the report: {summary(run)}"
    return {p["pid"]: p for p in procs}


def process_with(run, command):
    found = [p for p in run.processes() if p["command"] == command]
    assert len(found) == 1, f"one process running {command}: {summary(run)}"
    return found[0]


def warnings_text(run):
    return "\n".join(run.warnings())


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


def cmdline_of(pid):
    try:
        return read_bytes(f"/proc/{pid}/cmdline")
    except OSError:
        return None


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


def is_static_elf(path):
    """True when the ELF file at `path` has no program interpreter (PT_INTERP)."""
    with open(path, "rb") as f:
        head = f.read(64)
        if head[:4] != b"\x7fELF" or head[4] != 2:  # ELFCLASS64 only (x86-64 host)
            return False
        little = head[5] == 1
        order = "little" if little else "big"
        phoff = int.from_bytes(head[32:40], order)
        phentsize = int.from_bytes(head[54:56], order)
        phnum = int.from_bytes(head[56:58], order)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    for i in range(phnum):
        p_type = int.from_bytes(table[i * phentsize:i * phentsize + 4], order)
        if p_type == 3:  # PT_INTERP
            return False
    return True


# ----------------------------------------------------------------------------- the tree

def test_three_level_tree_with_exact_parent_links():
    with workdir() as tmp:
        write(os.path.join(tmp, "f"), CONTENT)
        # `; true` keeps each shell from exec'ing its last command, so there are three processes.
        argv = ["sh", "-c", 'sh -c "cat f; true"; true']
        run = trace(argv, tmp)
        ok(run)
        assert run.stdout == CONTENT
        procs = by_pid(run)
        assert len(procs) == 3, summary(run)
        root = run.root()
        assert root["command"] == argv and root["parent_pid"] is None
        middle = process_with(run, ["sh", "-c", "cat f; true"])
        cat = process_with(run, ["cat", "f"])
        assert middle["parent_pid"] == root["pid"], summary(run)
        assert cat["parent_pid"] == middle["pid"], summary(run)
        assert_files(run, reads={"f"}, writes=set(), opened_only=set())
        assert record(run, tmp, "f")["read_threads"] == [cat["pid"]]


def test_short_lived_processes_all_appear():
    with workdir() as tmp:
        argv = ["sh", "-c", "for i in 1 2 3 4 5; do /bin/true; done"]
        run = trace(argv, tmp)
        ok(run)
        procs = by_pid(run)
        root = run.root()
        trues = [p for p in procs.values() if p["command"] == ["/bin/true"]]
        assert len(trues) == 5, summary(run)
        assert all(p["parent_pid"] == root["pid"] for p in trues), summary(run)
        assert len(procs) == 6, summary(run)


def test_forked_children_that_only_exit_appear():
    with workdir() as tmp:
        code = (
            "import os\n"
            "pids = []\n"
            "for i in range(3):\n"
            "    pid = os.fork()\n"
            "    if pid == 0:\n"
            "        os._exit(0)\n"
            "    pids.append(pid)\n"
            "    os.waitpid(pid, 0)\n"
            "print(*pids)\n")
        argv = py(code)
        run = trace(argv, tmp)
        ok(run)
        children = [int(x) for x in run.stdout.split()]
        procs = by_pid(run)
        root = run.root()
        assert set(procs) == {root["pid"], *children}, (children, summary(run))
        for child in children:
            assert procs[child]["parent_pid"] == root["pid"], summary(run)
            assert procs[child]["command"] == argv, summary(run)


def test_child_that_makes_no_traced_call_appears():
    with workdir() as tmp:
        # The child kills itself at once: no file I/O, no exec, no exit(2) of its own.
        code = (
            "import os, signal\n"
            "pid = os.fork()\n"
            "if pid == 0:\n"
            "    os.kill(os.getpid(), signal.SIGKILL)\n"
            "_, status = os.waitpid(pid, 0)\n"
            "assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, status\n"
            "print(pid)\n")
        argv = py(code)
        run = trace(argv, tmp)
        ok(run)
        child = int(run.stdout)
        procs = by_pid(run)
        assert child in procs, f"child {child} is missing: {summary(run)}"
        assert procs[child]["parent_pid"] == run.root()["pid"]
        assert procs[child]["command"] == argv


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


# ----------------------------------------------------------------------------- vfork, spawn

def test_posix_spawn_and_subprocess_children():
    with workdir() as tmp:
        code = (
            "import os, subprocess, sys\n"
            "a = os.posix_spawn('/bin/sh', ['sh', '-c', 'echo a > a.txt'], os.environ)\n"
            "_, status = os.waitpid(a, 0)\n"
            "assert os.waitstatus_to_exitcode(status) == 0, status\n"
            "b = subprocess.Popen(['sh', '-c', 'echo b > b.txt'], close_fds=True)\n"
            "assert b.wait() == 0\n"
            "print(a, b.pid)\n")
        run = trace(py(code), tmp)
        ok(run)
        a, b = (int(x) for x in run.stdout.split())
        assert read_bytes(os.path.join(tmp, "a.txt")) == b"a\n"
        assert read_bytes(os.path.join(tmp, "b.txt")) == b"b\n"
        assert_files(run, reads=set(), writes={"a.txt", "b.txt"}, opened_only=set())
        procs = by_pid(run)
        root = run.root()["pid"]
        assert set(procs) == {root, a, b}, summary(run)
        assert procs[a]["command"] == ["sh", "-c", "echo a > a.txt"]
        assert procs[b]["command"] == ["sh", "-c", "echo b > b.txt"]
        assert procs[a]["parent_pid"] == root and procs[b]["parent_pid"] == root
        assert record(run, tmp, "a.txt")["written_threads"] == [a]
        assert record(run, tmp, "b.txt")["written_threads"] == [b]


def test_vfork_child():
    with workdir() as tmp:
        child_argv = ["/bin/sh", "-c", "echo v > v.txt"]
        run = trace(fx("vfork", *child_argv), tmp)
        ok(run)
        child = int(run.stdout)
        assert read_bytes(os.path.join(tmp, "v.txt")) == b"v\n"
        assert_files(run, reads=set(), writes={"v.txt"}, opened_only=set())
        procs = by_pid(run)
        root = run.root()["pid"]
        assert set(procs) == {root, child}, summary(run)
        assert procs[child]["command"] == child_argv
        assert procs[child]["parent_pid"] == root
        assert record(run, tmp, "v.txt")["written_threads"] == [child]


# ----------------------------------------------------------------------------- static binaries

def test_static_busybox():
    busybox = "/bin/busybox"
    if not os.path.exists(busybox):
        skip("/bin/busybox is not installed (apt-get install busybox-static)")
    if not is_static_elf(busybox):
        skip("/bin/busybox is dynamically linked (install busybox-static)")
    with workdir() as tmp:
        write(os.path.join(tmp, "in"), CONTENT)
        argv = [busybox, "sh", "-c", f"{busybox} cat in > out; true"]
        run = trace(argv, tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "out")) == CONTENT
        # busybox cat moves the bytes with sendfile(2).
        assert_files(run, reads={"in"}, writes={"out"}, opened_only=set())
        procs = by_pid(run)
        assert len(procs) == 2, summary(run)
        root = run.root()
        assert root["command"] == argv
        cat = process_with(run, [busybox, "cat", "in"])
        assert cat["parent_pid"] == root["pid"]
        assert record(run, tmp, "in")["read_threads"] == [cat["pid"]]
        assert record(run, tmp, "out")["written_threads"] == [cat["pid"]]


def test_static_busybox_shell_execs_its_last_command():
    busybox = "/bin/busybox"
    if not os.path.exists(busybox) or not is_static_elf(busybox):
        skip("/bin/busybox is missing or not static (install busybox-static)")
    with workdir() as tmp:
        write(os.path.join(tmp, "in"), CONTENT)
        run = trace([busybox, "sh", "-c", f"{busybox} cat in > out"], tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "out")) == CONTENT
        assert_files(run, reads={"in"}, writes={"out"}, opened_only=set())
        # busybox sh execs the last command in place (through /proc/self/exe).
        procs = by_pid(run)
        assert len(procs) == 1, summary(run)
        assert run.root()["command"] == [busybox, "cat", "in"]


# ----------------------------------------------------------------------------- pid namespace

def test_processes_in_a_new_pid_namespace():
    unshare = roartest.need_tool("unshare")
    prefix = [unshare, "-Ur", "--pid", "--fork"] if unprivileged() else \
        [unshare, "--pid", "--fork"]
    probe = subprocess.run(prefix + ["true"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if probe.returncode != 0:
        skip(f"{' '.join(prefix)} fails here: {probe.stderr.decode(errors='replace').strip()}")
    with workdir() as tmp:
        write(os.path.join(tmp, "in"), CONTENT)
        script = "echo $$ > inner_pid; cat in > out; true"
        argv = prefix + ["sh", "-c", script]
        run = trace(argv, tmp)
        ok(run)
        # Inside, the shell is pid 1; the report names every process by its pid outside.
        assert read_bytes(os.path.join(tmp, "inner_pid")) == b"1\n"
        assert read_bytes(os.path.join(tmp, "out")) == CONTENT
        assert_files(run, reads={"in"}, writes={"inner_pid", "out"}, opened_only=set())
        procs = by_pid(run)
        assert len(procs) == 3, summary(run)
        root = run.root()
        assert root["command"] == argv
        sh = process_with(run, ["sh", "-c", script])
        cat = process_with(run, ["cat", "in"])
        assert sh["parent_pid"] == root["pid"], summary(run)
        assert cat["parent_pid"] == sh["pid"], summary(run)
        assert 1 not in procs
        assert record(run, tmp, "inner_pid")["written_threads"] == [sh["pid"]]
        assert record(run, tmp, "in")["read_threads"] == [cat["pid"]]
        assert record(run, tmp, "out")["written_threads"] == [cat["pid"]]


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


# ----------------------------------------------------------------------------- threads

def test_thread_ids_of_the_io():
    with workdir() as tmp:
        write(os.path.join(tmp, "shared.txt"), CONTENT)
        code = (
            "import os, threading\n"
            "tids = {}\n"
            "start = threading.Barrier(2)\n"
            "def work(i):\n"
            "    tids[i] = threading.get_native_id()\n"
            "    start.wait()\n"
            "    with open('shared.txt', 'rb') as f:\n"
            "        assert f.read()\n"
            "    with open(f't{i}.txt', 'wb') as f:\n"
            "        f.write(b'thread\\n')\n"
            "ts = [threading.Thread(target=work, args=(i,)) for i in range(2)]\n"
            "for t in ts:\n"
            "    t.start()\n"
            "for t in ts:\n"
            "    t.join()\n"
            "with open('main.txt', 'wb') as f:\n"
            "    f.write(b'main\\n')\n"
            "print(tids[0], tids[1], threading.get_native_id())\n")
        run = trace(py(code), tmp)
        ok(run)
        t0, t1, main = (int(x) for x in run.stdout.split())
        assert len({t0, t1, main}) == 3
        root = run.root()["pid"]
        assert main == root
        assert_files(run, reads={"shared.txt"}, writes={"t0.txt", "t1.txt", "main.txt"},
                     opened_only=set())
        assert record(run, tmp, "shared.txt")["read_threads"] == sorted([t0, t1])
        assert record(run, tmp, "t0.txt")["written_threads"] == [t0]
        assert record(run, tmp, "t1.txt")["written_threads"] == [t1]
        assert record(run, tmp, "main.txt")["written_threads"] == [main]
        # Threads are not processes.
        assert set(by_pid(run)) == {root}, summary(run)


# ----------------------------------------------------------------------------- io_uring

def _io_uring_untraced(tmp):
    """What io_uring_setup does here without the tracer: "ok" or "errno NAME"."""
    probe = subprocess.run(fx("io-uring-setup", os.path.join(tmp, "probe.txt")),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert probe.returncode == 0, probe
    os.unlink(os.path.join(tmp, "probe.txt"))
    return probe.stdout.decode().strip()


def test_io_uring_setup_is_refused_with_enosys_by_default():
    with workdir() as tmp:
        run = trace(fx("io-uring-setup", "out.txt"), tmp)
        ok(run)
        assert run.stdout == b"errno ENOSYS\n", run.stdout
        assert read_bytes(os.path.join(tmp, "out.txt")) == b"fallback\n"
        assert_files(run, reads=set(), writes={"out.txt"}, opened_only=set())
        text = warnings_text(run)
        assert "io_uring" in text and "ENOSYS" in text, run.warnings()


def test_allow_io_uring_lets_the_kernel_answer():
    with workdir() as tmp:
        natural = _io_uring_untraced(tmp)
        if natural == "errno ENOSYS":
            skip("this kernel has no io_uring (io_uring_setup fails with ENOSYS untraced): "
                 "the tracer's refusal cannot be told apart")
        run = trace(fx("io-uring-setup", "out.txt"), tmp, tracer_args=["--allow-io-uring"])
        ok(run)
        # Not refused by the tracer: the same outcome as without it (a ring, or the sandbox's
        # own refusal such as EPERM).
        got = run.stdout.decode().strip()
        assert got == natural, f"traced: {got!r}, untraced: {natural!r}"
        expected = b"ring\n" if natural == "ok" else b"fallback\n"
        assert read_bytes(os.path.join(tmp, "out.txt")) == expected
        assert_files(run, reads=set(), writes={"out.txt"}, opened_only=set())
        text = warnings_text(run)
        assert "io_uring" in text and "incomplete" in text, run.warnings()


def test_without_io_uring_there_is_no_io_uring_warning():
    with workdir() as tmp:
        run = trace(["sh", "-c", "echo x > a"], tmp)
        ok(run)
        assert "io_uring" not in warnings_text(run), run.warnings()


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
