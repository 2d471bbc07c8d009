"""Descriptor scenarios (README "Semantics", Descriptors): attribution always follows the file a descriptor
refers to at the time of the call: copies made by dup/dup2/dup3/fcntl(F_DUPFD*), numbers reused
after close, close_range and O_CLOEXEC at exec, descriptors passed over unix sockets, a thread
with its own descriptor table (unshare(CLONE_FILES)), descriptors inherited from the tracer's
caller or from a parent after fork, objects without a path (pipes, sockets, eventfd, memfd),
re-opens through /proc/self/fd, and a pid reused with the same descriptor number (as root only:
the next pid is set through /proc/sys/kernel/ns_last_pid).

Every scenario runs in its own roartest.workdir() and compares the exact sets of paths under it;
the fx_proc fixture makes the exact system calls and checks that each behaved as it claims.
"""
import os
import subprocess
import tempfile

import msgpack

import roartest
from roartest import (assert_files, fixture, ok, py, python3, read_bytes, record, summary, trace,
                      workdir, write)

CONTENT = b"gamma\nalpha\nbeta\n"


# ----------------------------------------------------------------------------- local helpers

def fx(*args):
    """argv of the fx_proc scenario program."""
    return [fixture("fx_proc"), *args]


def process_with(run, command):
    found = [p for p in run.processes() if p["command"] == command]
    assert len(found) == 1, f"one process running {command}: {summary(run)}"
    return found[0]


def trace_passing_fds(cmd, cwd, pass_fds, *, stdin=None, stdout=subprocess.PIPE):
    """roartest.trace with extra descriptors inherited by the tracer (and so by the command):
    the same invocation, report decoding (msgpack.unpackb(raw=False)) and invariant checks."""
    if not roartest.TRACER:
        roartest.skip("ROAR_SECCOMP is not set: run the scenarios through ctest")
    report_dir = tempfile.mkdtemp(prefix="roar-report-")
    report_path = os.path.join(report_dir, "report.msgpack")
    try:
        proc = subprocess.Popen([roartest.TRACER, report_path, "--", *cmd], cwd=cwd,
                                stdin=stdin, stdout=stdout, stderr=subprocess.PIPE,
                                pass_fds=pass_fds)
        out, err = proc.communicate(timeout=240)
        proc.stdout, proc.stderr = out, err
        assert os.path.exists(report_path), f"no report; exit {proc.returncode}; {err!r}"
        with open(report_path, "rb") as f:
            raw = f.read()
        decoded = msgpack.unpackb(raw, raw=False)
        roartest.check_invariants(decoded)
        return roartest.Run(proc, decoded, raw, cwd)
    finally:
        for name in os.listdir(report_dir):
            os.unlink(os.path.join(report_dir, name))
        os.rmdir(report_dir)


def free_fd_numbers(count, start=5):
    """`count` descriptor numbers >= start that are not open in this process."""
    out = []
    n = start
    while len(out) < count:
        try:
            os.fstat(n)
        except OSError:
            out.append(n)
        n += 1
    return out


# ----------------------------------------------------------------------------- copies

def _dup_scenario(kind):
    with workdir() as tmp:
        write(os.path.join(tmp, "A"), CONTENT)
        write(os.path.join(tmp, "C"), b"previous occupant\n")
        run = trace(fx("dup", kind, "A", "B", "C"), tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "B")) == b"new\n"
        # C's number came to carry B, and B's number A: C is not written, B is not read.
        assert_files(run, reads={"A", "C"}, writes={"B"}, opened_only=set())
        root = run.root()["pid"]
        assert record(run, tmp, "A")["read_threads"] == [root]
        assert record(run, tmp, "C")["read_threads"] == [root]
        assert record(run, tmp, "B")["written_threads"] == [root]


def test_dup_copy_carries_the_file():
    _dup_scenario("dup")


def test_dup2_copy_replaces_an_open_fd():
    _dup_scenario("dup2")


def test_dup3_copy_replaces_an_open_fd():
    _dup_scenario("dup3")


def test_fcntl_dupfd_copy_carries_the_file():
    _dup_scenario("dupfd")


def test_fcntl_dupfd_cloexec_copy_carries_the_file():
    _dup_scenario("dupfd-cloexec")


def test_shell_dup_to_a_high_fd():
    with workdir() as tmp:
        write(os.path.join(tmp, "in.txt"), CONTENT)
        # The shell dup2s in.txt to 7 and out.txt to 8 and then onto cat's stdin and stdout.
        run = trace(["sh", "-c", "exec 7< in.txt 8> out.txt; cat <&7 >&8; exec 7<&- 8>&-"], tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "out.txt")) == CONTENT
        assert_files(run, reads={"in.txt"}, writes={"out.txt"}, opened_only=set())


# ----------------------------------------------------------------------------- reuse of a number

def test_number_reused_three_times_after_close():
    with workdir() as tmp:
        write(os.path.join(tmp, "b.txt"), CONTENT)
        write(os.path.join(tmp, "c.txt"), CONTENT)
        code = (
            "import os\n"
            "a = os.open('a.txt', os.O_WRONLY | os.O_CREAT | os.O_TRUNC)\n"
            "assert os.write(a, b'old\\n') == 4\n"
            "os.close(a)\n"
            "b = os.open('b.txt', os.O_RDONLY)\n"
            "assert b == a, (a, b)\n"
            "assert os.read(b, 100)\n"
            "os.close(b)\n"
            "c = os.open('c.txt', os.O_RDWR)\n"
            "assert c == a, (a, c)\n"
            "os.close(c)\n")
        run = trace(py(code), tmp)
        ok(run)
        # a written then closed; b read on the same number; c opened on it and left alone.
        assert_files(run, reads={"b.txt"}, writes={"a.txt"}, opened_only={"c.txt"})


def test_close_range_then_reuse():
    with workdir() as tmp:
        write(os.path.join(tmp, "B"), CONTENT)
        write(os.path.join(tmp, "C"), CONTENT)
        run = trace(fx("close-range", "A", "B", "C", "D"), tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "A")) == b"old\n"
        assert read_bytes(os.path.join(tmp, "D")) == b"new\n"
        # A written on n and B opened on n+1, both closed by close_range; C read on the reused n
        # and D written on the reused n+1.
        assert_files(run, reads={"C"}, writes={"A", "D"}, opened_only={"B"})


def test_cloexec_fd_closed_at_exec_and_number_reused():
    with workdir() as tmp:
        write(os.path.join(tmp, "A"), CONTENT)
        argv = fx("cloexec-exec", "A", "B")
        run = trace(argv, tmp)
        ok(run)
        n = run.stdout.decode().strip()
        assert n.isdigit(), run.stdout
        assert read_bytes(os.path.join(tmp, "A")) == CONTENT
        assert read_bytes(os.path.join(tmp, "B")) == b"new\n"
        # A (read, O_CLOEXEC on n) was closed by the exec; the new image wrote B on n.
        assert_files(run, reads={"A"}, writes={"B"}, opened_only=set())
        root = run.root()
        assert root["command"] == [argv[0], "cloexec-after", n, "B"], summary(run)
        assert len(run.processes()) == 1, summary(run)
        assert record(run, tmp, "B")["written_threads"] == [root["pid"]]


def _pid_reused(env=None):
    with workdir() as tmp:
        write(os.path.join(tmp, "in.txt"), CONTENT)
        run = trace(fx("pid-reuse", "in.txt", "out.txt"), tmp, env=env, unique_pids=False)
        if run.exit_code == 5:
            roartest.skip(f"the pid could not be reused: {run.stderr.strip()}")
        ok(run)
        lines = [line.split() for line in run.stdout.decode().splitlines()]
        reused = int(lines[-1][1])
        # Tries lost to another process of the machine that took the pid first: each left a
        # reader (which read in.txt) and a writer that gave up before writing.
        tries = [(int(r), int(w)) for word, r, w in lines[:-1] if word == "try"]
        assert tries and tries[-1] == (reused, reused), run.stdout
        assert_files(run, reads={"in.txt"}, writes={"out.txt"}, opened_only=set())
        readers = sorted(r for r, _ in tries)
        assert record(run, tmp, "in.txt")["read_threads"] == sorted(set(readers))
        assert record(run, tmp, "out.txt")["written_threads"] == [reused]
        root = run.root()
        children = sorted((p["pid"], p["parent_pid"]) for p in run.processes()
                          if p["parent_pid"] is not None)
        assert children == sorted((pid, root["pid"]) for t in tries for pid in t), summary(run)
        assert run.warnings() == []


@roartest.machine_wide("ns_last_pid")
def test_pid_reused_with_the_same_descriptor_number():
    """A child reads in.txt through fd 3 and exits; the next child gets the same pid (as root,
    through ns_last_pid) and writes out.txt through fd 3. The second is a new process: its fd 3
    is out.txt, not the first one's in.txt, and both processes are reported under that pid."""
    _pid_reused()


@roartest.machine_wide("ns_last_pid")
def test_pid_reused_without_pidfds():
    """The same where pidfds and kcmp are refused (ROAR_SECCOMP_TEST_FAULTS): the parent's
    wait4 tells that the first child is gone."""
    _pid_reused(dict(os.environ, ROAR_SECCOMP_TEST_FAULTS="pidfd,kcmp"))


# ----------------------------------------------------------------------------- passed fds

def test_fds_passed_over_a_unix_socket():
    with workdir() as tmp:
        write(os.path.join(tmp, "in.txt"), CONTENT)
        write(os.path.join(tmp, "x.txt"), b"receiver's own file\n")
        code = (
            "import os, socket, sys, threading\n"
            "a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)\n"
            "pid = os.fork()\n"
            "if pid == 0:\n"
            "    a.close()\n"
            # The receiver uses a number for its own file first, so the passed fds may reuse it.
            "    x = os.open('x.txt', os.O_RDONLY)\n"
            "    assert os.read(x, 100)\n"
            "    os.close(x)\n"
            "    msg, fds, flags, addr = socket.recv_fds(b, 16, 2)\n"
            "    assert msg == b'fds' and len(fds) == 2, (msg, fds)\n"
            "    r, w = fds\n"
            "    data = os.read(r, 1000)\n"
            "    assert data and os.write(w, data) == len(data)\n"
            "    os.write(1, f'{os.getpid()} {threading.get_native_id()}\\n'.encode())\n"
            "    os._exit(0)\n"
            "b.close()\n"
            "r = os.open('in.txt', os.O_RDONLY)\n"
            "w = os.open('out.txt', os.O_WRONLY | os.O_CREAT | os.O_TRUNC)\n"
            "socket.send_fds(a, [b'fds'], [r, w])\n"
            "os.close(r)\n"
            "os.close(w)\n"
            "_, status = os.waitpid(pid, 0)\n"
            "sys.exit(os.waitstatus_to_exitcode(status))\n")
        run = trace(py(code), tmp)
        ok(run)
        receiver, tid = (int(x) for x in run.stdout.split())
        assert receiver == tid, run.stdout
        assert read_bytes(os.path.join(tmp, "out.txt")) == CONTENT
        assert_files(run, reads={"in.txt", "x.txt"}, writes={"out.txt"}, opened_only=set())
        assert record(run, tmp, "in.txt")["read_threads"] == [receiver]
        assert record(run, tmp, "out.txt")["written_threads"] == [receiver]
        procs = {p["pid"]: p for p in run.processes()}
        assert receiver in procs, summary(run)
        assert procs[receiver]["parent_pid"] == run.root()["pid"], summary(run)


def test_thread_with_unshared_fd_table():
    with workdir() as tmp:
        write(os.path.join(tmp, "A"), CONTENT)
        run = trace(fx("unshare-files", "A", "B"), tmp)
        ok(run)
        main_tid, thread_tid = (int(x) for x in run.stdout.split())
        assert main_tid != thread_tid
        assert main_tid == run.root()["pid"]
        assert read_bytes(os.path.join(tmp, "B")) == b"one\ntwo\n"
        # One number, two tables: the main thread reads A through it, the unshared thread
        # writes B through it. A is never written and B never read.
        assert_files(run, reads={"A"}, writes={"B"}, opened_only=set())
        assert record(run, tmp, "A")["read_threads"] == [main_tid]
        assert record(run, tmp, "B")["written_threads"] == [thread_tid]
        assert len(run.processes()) == 1, summary(run)


def test_two_processes_sharing_one_fd_table():
    with workdir() as tmp:
        write(os.path.join(tmp, "A"), CONTENT)
        run = trace(fx("clone-files", "A", "B"), tmp)
        ok(run)
        parent, child = (int(x) for x in run.stdout.split())
        assert read_bytes(os.path.join(tmp, "B")) == b"shared table\n"
        # The child of clone(CLONE_FILES) replaced A by B on n in the table both use; the parent
        # then read B through n. A is not read again through n, B is read by the parent.
        assert_files(run, reads={"A", "B"}, writes={"B"}, opened_only=set())
        assert record(run, tmp, "A")["read_threads"] == [parent]
        assert record(run, tmp, "B")["read_threads"] == [parent]
        assert record(run, tmp, "B")["written_threads"] == [child]
        procs = {p["pid"]: p for p in run.processes()}
        assert parent == run.root()["pid"]
        assert child in procs and procs[child]["parent_pid"] == parent, summary(run)


def test_fd_fetched_with_pidfd_getfd():
    with workdir() as tmp:
        write(os.path.join(tmp, "A"), CONTENT)
        run = trace(fx("pidfd-getfd", "A"), tmp)
        if run.exit_code == 5:
            roartest.skip(f"the kernel refuses pidfd_getfd here: {run.stderr.strip()}")
        ok(run)
        child = int(run.stdout)
        # The parent never read A; the child read it through the descriptor it fetched.
        assert_files(run, reads={"A"}, writes=set(), opened_only=set())
        assert record(run, tmp, "A")["read_threads"] == [child]


# ----------------------------------------------------------------------------- inherited fds

def test_stdin_and_stdout_inherited_from_the_caller_through_a_pipeline():
    with workdir() as tmp:
        write(os.path.join(tmp, "in.txt"), CONTENT)
        with open(os.path.join(tmp, "in.txt"), "rb") as src, \
                open(os.path.join(tmp, "out.txt"), "wb") as dst:
            run = trace(["sh", "-c", "sort | tr a-z A-Z; true"], tmp, stdin=src, stdout=dst)
        ok(run)
        assert read_bytes(os.path.join(tmp, "out.txt")) == b"ALPHA\nBETA\nGAMMA\n"
        assert_files(run, reads={"in.txt"}, writes={"out.txt"}, opened_only=set())
        sort = process_with(run, ["sort"])
        tr = process_with(run, ["tr", "a-z", "A-Z"])
        assert record(run, tmp, "in.txt")["read_threads"] == [sort["pid"]]
        assert record(run, tmp, "out.txt")["written_threads"] == [tr["pid"]]


def test_sort_with_stdin_and_stdout_files_of_the_caller():
    with workdir() as tmp:
        write(os.path.join(tmp, "in"), CONTENT)
        with open(os.path.join(tmp, "in"), "rb") as src, \
                open(os.path.join(tmp, "out"), "wb") as dst:
            run = trace(["sort"], tmp, stdin=src, stdout=dst)
        ok(run)
        assert read_bytes(os.path.join(tmp, "out")) == b"alpha\nbeta\ngamma\n"
        assert_files(run, reads={"in"}, writes={"out"}, opened_only=set())


def test_extra_fds_inherited_from_the_caller():
    with workdir() as tmp:
        write(os.path.join(tmp, "six.txt"), CONTENT)
        out = os.open(os.path.join(tmp, "five.txt"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        src = os.open(os.path.join(tmp, "six.txt"), os.O_RDONLY)
        wfd, rfd = free_fd_numbers(2)
        try:
            os.dup2(out, wfd)
            os.dup2(src, rfd)
            run = trace_passing_fds(["sh", "-c", f"echo x >&{wfd}; cat <&{rfd}"], tmp,
                                    pass_fds=(wfd, rfd))
        finally:
            for fd in {out, src, wfd, rfd}:
                os.close(fd)
        ok(run)
        assert run.stdout == CONTENT
        assert read_bytes(os.path.join(tmp, "five.txt")) == b"x\n"
        assert_files(run, reads={"six.txt"}, writes={"five.txt"}, opened_only=set())
        root = run.root()["pid"]
        assert record(run, tmp, "five.txt")["written_threads"] == [root]


def test_fds_kept_across_exec():
    with workdir() as tmp:
        write(os.path.join(tmp, "in.txt"), CONTENT)
        code = ("import os\n"
                "data = os.read(3, 1000)\n"
                "assert data and os.write(4, data) == len(data)\n")
        # The shell opens 3 and 4 without close-on-exec, then execs python, which uses them.
        script = 'exec 3< in.txt 4> out.txt; exec "$0" -I -c "$1"'
        run = trace(["sh", "-c", script, python3(), code], tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "out.txt")) == CONTENT
        assert_files(run, reads={"in.txt"}, writes={"out.txt"}, opened_only=set())
        root = run.root()
        assert root["command"] == [python3(), "-I", "-c", code]
        assert record(run, tmp, "in.txt")["read_threads"] == [root["pid"]]
        assert record(run, tmp, "out.txt")["written_threads"] == [root["pid"]]


def test_child_uses_parent_fd_after_fork():
    with workdir() as tmp:
        write(os.path.join(tmp, "in.txt"), CONTENT)
        code = (
            "import os, sys\n"
            "r = os.open('in.txt', os.O_RDONLY)\n"
            "w = os.open('out.txt', os.O_WRONLY | os.O_CREAT | os.O_TRUNC)\n"
            "pid = os.fork()\n"
            "if pid == 0:\n"
            "    data = os.read(r, 1000)\n"
            "    assert data and os.write(w, data) == len(data)\n"
            "    os._exit(0)\n"
            "_, status = os.waitpid(pid, 0)\n"
            "print(pid)\n"
            "sys.exit(os.waitstatus_to_exitcode(status))\n")
        run = trace(py(code), tmp)
        ok(run)
        child = int(run.stdout)
        assert read_bytes(os.path.join(tmp, "out.txt")) == CONTENT
        assert_files(run, reads={"in.txt"}, writes={"out.txt"}, opened_only=set())
        assert record(run, tmp, "in.txt")["read_threads"] == [child]
        assert record(run, tmp, "out.txt")["written_threads"] == [child]


# ----------------------------------------------------------------------------- no path

def test_pipes_sockets_eventfd_and_memfd_have_no_path():
    with workdir() as tmp:
        code = (
            "import mmap, os, socket\n"
            "r, w = os.pipe()\n"
            "assert os.write(w, b'pipe') == 4 and os.read(r, 4) == b'pipe'\n"
            "s1, s2 = socket.socketpair()\n"
            "s1.send(b'sock')\n"
            "assert s2.recv(4) == b'sock'\n"
            "assert os.write(s1.fileno(), b'fd') == 2 and os.read(s2.fileno(), 2) == b'fd'\n"
            "e = os.eventfd(0)\n"
            "os.eventfd_write(e, 3)\n"
            "assert os.eventfd_read(e) == 3\n"
            "m = os.memfd_create('roar-memfd')\n"
            "assert os.write(m, b'memfd data') == 10\n"
            "assert os.pread(m, 5, 0) == b'memfd'\n"
            "os.ftruncate(m, 4096)\n"
            "mm = mmap.mmap(m, 4096, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)\n"
            "mm[0:1] = b'M'\n"
            "mm.close()\n"
            "assert os.sendfile(w, m, 0, 5) == 5 and os.read(r, 5) == b'Memfd'\n"
            "with open(f'/proc/self/fd/{m}', 'rb') as again:\n"
            "    assert again.read(5) == b'Memfd'\n"
            "print('ok')\n")
        run = trace(py(code), tmp)
        ok(run)
        assert run.stdout == b"ok\n"
        assert_files(run, reads=set(), writes=set(), opened_only=set())
        # Nothing without a path appears under any name, and nothing at all was written.
        paths = [f["path"] for f in run.report["files"]]
        for p in paths:
            text = p if isinstance(p, str) else os.fsdecode(p)
            for marker in ("memfd:", "pipe:", "socket:", "anon_inode", "(deleted)",
                           "roar-memfd", "[eventfd]"):
                assert marker not in text, f"{text!r} in the report: {paths}"
        assert run.writes(under="/") == set(), run.writes(under="/")


# ----------------------------------------------------------------------------- /proc/self/fd

def test_reopen_through_proc_self_fd():
    with workdir() as tmp:
        write(os.path.join(tmp, "f.txt"), CONTENT)
        write(os.path.join(tmp, "h.txt"), CONTENT)
        code = (
            "import os, threading\n"
            "f = os.open('f.txt', os.O_RDONLY)\n"  # never read through f itself
            "with open(f'/proc/self/fd/{f}', 'rb') as again:\n"
            "    data = again.read()\n"
            "w = os.open('g.txt', os.O_WRONLY | os.O_CREAT)\n"  # never written through w
            "with open(f'/proc/self/fd/{w}', 'wb') as again:\n"
            "    again.write(b'via proc\\n')\n"
            "h = os.open('h.txt', os.O_RDONLY)\n"
            "tids = []\n"
            "def reader():\n"
            "    tids.append(threading.get_native_id())\n"
            "    with open(f'/proc/thread-self/fd/{h}', 'rb') as again:\n"
            "        assert again.read()\n"
            "t = threading.Thread(target=reader)\n"
            "t.start()\n"
            "t.join()\n"
            "print(len(data), tids[0])\n")
        run = trace(py(code), tmp)
        ok(run)
        size, thread = (int(x) for x in run.stdout.split())
        assert size == len(CONTENT)
        assert read_bytes(os.path.join(tmp, "g.txt")) == b"via proc\n"
        assert_files(run, reads={"f.txt", "h.txt"}, writes={"g.txt"}, opened_only=set())
        root = run.root()["pid"]
        assert record(run, tmp, "f.txt")["read_threads"] == [root]
        assert record(run, tmp, "g.txt")["written_threads"] == [root]
        assert record(run, tmp, "h.txt")["read_threads"] == [thread]
        assert thread != root
        # The files are reported under their own paths, never as /proc links.
        proc_paths = [f["path"] for f in run.report["files"]
                      if isinstance(f["path"], str) and "/fd/" in f["path"]]
        assert proc_paths == [], proc_paths
