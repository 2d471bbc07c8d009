"""Descriptor scenarios (README "Semantics", Descriptors): attribution always follows the file a
descriptor refers to at the time of the call: copies made by dup/dup2/dup3/fcntl(F_DUPFD*),
numbers reused after close, close_range and O_CLOEXEC at exec, objects without a path (pipes,
sockets, eventfd, memfd), re-opens through /proc/self/fd, and a pid reused with the same
descriptor number (as root only: the next pid is set through /proc/sys/kernel/ns_last_pid).
Descriptors that threads and processes share, pass or inherit are test_shared_fds.py's.

Every scenario runs in its own roartest.workdir() and compares the exact sets of paths under it;
the fx_fds and fx_proc fixtures make the exact system calls and check that each behaved as they
claim.
"""
import os

import roartest
from roartest import (assert_files, fx_program, need_tool, ok, py, read_bytes, record, summary,
                      trace, unprivileged, usable_prefix, workdir, write)

CONTENT = b"gamma\nalpha\nbeta\n"


# ----------------------------------------------------------------------------- copies

def _dup_scenario(kind):
    with workdir() as tmp:
        write(os.path.join(tmp, "A"), CONTENT)
        write(os.path.join(tmp, "C"), b"previous occupant\n")
        run = trace(fx_program("fx_fds", "dup", kind, "A", "B", "C"), tmp)
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
        run = trace(fx_program("fx_fds", "close-range", "A", "B", "C", "D"), tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "A")) == b"old\n"
        assert read_bytes(os.path.join(tmp, "D")) == b"new\n"
        # A written on n and B opened on n+1, both closed by close_range; C read on the reused n
        # and D written on the reused n+1.
        assert_files(run, reads={"C"}, writes={"A", "D"}, opened_only={"B"})


def test_cloexec_fd_closed_at_exec_and_number_reused():
    with workdir() as tmp:
        write(os.path.join(tmp, "A"), CONTENT)
        argv = fx_program("fx_fds", "cloexec-exec", "A", "B")
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
    # Choosing the next pid takes CAP_SYS_ADMIN over the pid namespace: an ordinary user runs
    # the tracer and its tree in a user and pid namespace of its own, where it has that.
    prefix = []
    if unprivileged():
        prefix = usable_prefix([need_tool("unshare"), "-Ur", "--pid", "--fork", "--mount-proc"],
                               "a user and pid namespace (unshare -Ur --pid --fork --mount-proc)")
    with workdir() as tmp:
        write(os.path.join(tmp, "in.txt"), CONTENT)
        run = trace(fx_program("fx_proc", "pid-reuse", "in.txt", "out.txt"), tmp, env=env,
                    unique_pids=False, prefix=prefix)
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
