"""Descriptors that threads and processes share, pass or inherit (README "Semantics", Descriptors):
attribution follows the file a descriptor refers to at the time of the call, whichever process
or thread makes it: descriptors passed over unix sockets, a thread with its own descriptor table
(unshare(CLONE_FILES)), two processes sharing one table (clone(CLONE_FILES)), a descriptor
fetched with pidfd_getfd, and descriptors inherited from the tracer's caller, across exec or from
a parent after fork.

Every scenario runs in its own roartest.workdir() and compares the exact sets of paths under it;
the fx_shared_fds fixture makes the exact system calls and checks that each behaved as it claims.
"""
import os
import subprocess
import tempfile

import msgpack

import roartest
from roartest import (assert_files, fx_program, ok, process_with, py, python3, read_bytes,
                      record, summary, trace, workdir, write)

CONTENT = b"gamma\nalpha\nbeta\n"


# ----------------------------------------------------------------------------- local helpers

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
        run = trace(fx_program("fx_shared_fds", "unshare-files", "A", "B"), tmp)
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
        run = trace(fx_program("fx_shared_fds", "clone-files", "A", "B"), tmp)
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
        run = trace(fx_program("fx_shared_fds", "pidfd-getfd", "A"), tmp)
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
