"""Linux native AIO (io_setup + io_submit, as libaio, fio, InnoDB and qemu use it): each iocb
reads or writes its own descriptor like the matching pread or pwrite, at the offset it names.
io_submit stops at the first iocb it refuses, and what it never submits moves nothing.

The fx_io fixture makes the exact calls (64-bit and ia32, whose io_submit takes 32-bit
pointers); a Python scenario makes them through ctypes, as an interpreter would.
"""
import os

from roartest import assert_files, fx, fx32, ok, py, read_bytes, trace, workdir, write

CONTENT = b"0123456789abcdefghij\n"


def _aio(argv_of):
    with workdir() as tmp:
        write(os.path.join(tmp, "in.txt"), CONTENT)
        run = trace(argv_of("aio", "in.txt", "out.txt"), tmp)
        ok(run)
        assert run.stdout == CONTENT + b"|234567\n", run.stdout
        assert read_bytes(os.path.join(tmp, "out.txt")) == b"aio pwrite\naio pwritev\n"
        assert_files(run, reads={"in.txt"}, writes={"out.txt"}, opened_only=set())


def test_aio_reads_and_writes():
    """PREAD, PWRITE, PREADV, PWRITEV and FSYNC in one io_submit."""
    _aio(fx)


def test_ia32_aio_reads_and_writes():
    _aio(fx32)


def test_aio_read_at_the_end_of_the_file_reads_nothing():
    """A PREAD at the file's end and a 0-byte PREAD return no bytes: opened, not read."""
    with workdir() as tmp:
        write(os.path.join(tmp, "in.txt"), CONTENT)
        run = trace(fx("aio-past-end", "in.txt"), tmp)
        ok(run)
        assert_files(run, reads=set(), writes=set(), opened_only={"in.txt"})


def test_aio_refused_at_the_first_iocb_moves_nothing():
    """A PREAD through a write-only descriptor is refused (EBADF): io_submit stops there, and the
    PWRITE and PREAD after it never run."""
    with workdir() as tmp:
        write(os.path.join(tmp, "in.txt"), CONTENT)
        run = trace(fx("aio-refused", "in.txt", "out.txt"), tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "out.txt")) == b""
        assert_files(run, reads=set(), writes=set(), opened_only={"in.txt", "out.txt"})


def test_python_aio_through_ctypes():
    """Two iocbs from an interpreter: a PREAD of in.txt and a PWRITE of out.txt."""
    code = (
        "import ctypes, os, struct\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "IO_SETUP, IO_SUBMIT, IO_GETEVENTS = 206, 209, 208\n"
        "ctx = ctypes.c_ulong(0)\n"
        "assert libc.syscall(IO_SETUP, 4, ctypes.byref(ctx)) == 0\n"
        "fin = os.open('in.txt', os.O_RDONLY)\n"
        "fout = os.open('out.txt', os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)\n"
        "rbuf = ctypes.create_string_buffer(64)\n"
        "wbuf = ctypes.create_string_buffer(b'written by aio\\n')\n"
        "def iocb(opcode, fd, buf, n):\n"
        "    return ctypes.create_string_buffer(\n"
        "        struct.pack('<QIIHhIQQqQII', 0, 0, 0, opcode, 0, fd, buf, n, 0, 0, 0, 0), 64)\n"
        "cbs = [iocb(0, fin, ctypes.addressof(rbuf), 64),\n"
        "       iocb(1, fout, ctypes.addressof(wbuf), 15)]\n"
        "array = (ctypes.c_void_p * 2)(*[ctypes.addressof(c) for c in cbs])\n"
        "assert libc.syscall(IO_SUBMIT, ctx, ctypes.c_long(2), array) == 2\n"
        "events = ctypes.create_string_buffer(64)\n"
        "assert libc.syscall(IO_GETEVENTS, ctx, ctypes.c_long(2), ctypes.c_long(2), events,\n"
        "                    None) == 2\n"
        "print(rbuf.value.decode(), end='')\n")
    with workdir() as tmp:
        write(os.path.join(tmp, "in.txt"), CONTENT)
        run = trace(py(code), tmp)
        ok(run)
        assert run.stdout == CONTENT
        assert read_bytes(os.path.join(tmp, "out.txt")) == b"written by aio\n"
        assert_files(run, reads={"in.txt"}, writes={"out.txt"}, opened_only=set())


def test_aio_whose_iocbs_cannot_be_read_makes_the_report_incomplete():
    """Where the tracer may not read the caller's memory (simulated with
    ROAR_SECCOMP_TEST_FAULTS=memory), what io_submit moves cannot be told: the report says
    complete: false and names the call, never stays silent."""
    env = dict(os.environ, ROAR_SECCOMP_TEST_FAULTS="memory")
    with workdir() as tmp:
        write(os.path.join(tmp, "in.txt"), CONTENT)
        run = trace(fx("aio", "in.txt", "out.txt"), tmp, env=env)
        ok(run)
        assert read_bytes(os.path.join(tmp, "out.txt")) == b"aio pwrite\naio pwritev\n"
        assert run.report.get("complete") is False, run.report.get("complete")
        assert any("io_submit" in w for w in run.warnings()), run.warnings()
