"""Process scenarios (README: process maps, "Processes"): every process of the tree appears once
with its parent, vfork/posix_spawn children, static binaries, processes in a new pid namespace,
thread ids of the I/O, and io_uring refused or allowed.

The argv and environment of a process's last successful exec are test_exec.py's; processes that
outlive the root, test_background.py's; exit statuses and a signalled tracer, test_outcomes.py's.
"""
import os
import shutil
import subprocess

import roartest
from roartest import (assert_files, by_pid, fx_program, is_static_elf, ok, process_with, py,
                      read_bytes, record, skip, summary, trace, unprivileged, warnings_text,
                      workdir, write)

CONTENT = b"gamma\nalpha\nbeta\n"


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


def test_many_live_processes_under_a_low_descriptor_limit():
    """The tracer keeps a descriptor per live process (its pidfd) and per process with a fast-path
    table. With 150 processes alive at once under a limit of 100 descriptors, it stops keeping
    them before it would run out for its /proc reads: every file is still attributed and the
    report is complete. The command starts with the limit the tracer was given."""
    prlimit = shutil.which("prlimit")
    if prlimit is None:
        skip("no prlimit (util-linux)")
    script = ("ulimit -Sn; for i in $(seq 150); do (cat in > out$i; sleep 1; cat in > late$i) & "
              "done; wait")
    with workdir() as tmp:
        write(os.path.join(tmp, "in"), CONTENT)
        run = trace(["sh", "-c", script], tmp, prefix=(prlimit, "--nofile=100:100", "--"))
        ok(run)
        assert run.stdout.decode().split() == ["100"], run.stdout
        assert run.report.get("complete") is True, warnings_text(run)
        outs = {f"out{i}" for i in range(1, 151)} | {f"late{i}" for i in range(1, 151)}
        assert_files(run, {"in"}, outs)
    # Below a higher hard limit the tracer raises its own soft limit, not the command's.
    with workdir() as tmp:
        run = trace(["sh", "-c", "ulimit -Sn; grep 'open files' /proc/$PPID/limits"], tmp,
                    prefix=(prlimit, "--nofile=100:4096", "--"))
        ok(run)
        command, tracer = run.stdout.decode().splitlines()
        assert command == "100", run.stdout
        assert tracer.split()[3:5] == ["4096", "4096"], run.stdout


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
        run = trace(fx_program("fx_proc", "vfork", *child_argv), tmp)
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
    probe = subprocess.run(fx_program("fx_proc", "io-uring-setup", os.path.join(tmp, "probe.txt")),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert probe.returncode == 0, probe
    os.unlink(os.path.join(tmp, "probe.txt"))
    return probe.stdout.decode().strip()


def test_io_uring_setup_is_refused_with_enosys_by_default():
    with workdir() as tmp:
        run = trace(fx_program("fx_proc", "io-uring-setup", "out.txt"), tmp)
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
        run = trace(fx_program("fx_proc", "io-uring-setup", "out.txt"), tmp, tracer_args=["--allow-io-uring"])
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
