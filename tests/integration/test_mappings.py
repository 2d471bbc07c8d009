"""Mappings made writable after the fact: a file mapped MAP_SHARED through a descriptor open for
writing, PROT_READ, then mprotect(PROT_READ|PROT_WRITE) and stored into, is written; mprotect
that the kernel refuses (a read-only descriptor: EACCES; a range starting in a hole: ENOMEM) or
that makes only a private copy writable writes nothing. And ia32's old mmap, whose arguments
lie in memory.
"""
import os

from roartest import assert_files, fx, fx32, ok, py, read_bytes, trace, workdir, write

PAGES = b"x" * 8192


def _mprotect_write(argv_of):
    with workdir() as tmp:
        write(os.path.join(tmp, "m.bin"), PAGES)
        run = trace(argv_of("mprotect-write", "m.bin"), tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "m.bin"))[:2] == b"Mx"
        assert_files(run, reads={"m.bin"}, writes={"m.bin"}, opened_only=set())


def test_mprotect_makes_a_shared_mapping_writable():
    _mprotect_write(fx)


def test_ia32_mprotect_makes_a_shared_mapping_writable():
    _mprotect_write(fx32)


def test_mprotect_refused_or_private_writes_nothing():
    with workdir() as tmp:
        write(os.path.join(tmp, "shared.bin"), PAGES)
        write(os.path.join(tmp, "private.bin"), PAGES)
        run = trace(fx("mprotect-refused", "shared.bin", "private.bin"), tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "private.bin")) == PAGES
        assert_files(run, reads={"shared.bin", "private.bin"}, writes=set(), opened_only=set())


def test_python_pkey_mprotect_makes_a_shared_mapping_writable():
    """pkey_mprotect with pkey -1 is mprotect; an interpreter maps, then writes through it."""
    code = (
        "import ctypes, mmap, os\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "libc.mmap.restype = ctypes.c_void_p\n"
        "libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,\n"
        "                      ctypes.c_int, ctypes.c_long]\n"
        "fd = os.open('m.bin', os.O_RDWR)\n"
        "p = libc.mmap(None, 8192, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)\n"
        "os.close(fd)\n"
        "SYS_pkey_mprotect = 329\n"
        "rc = libc.syscall(SYS_pkey_mprotect, ctypes.c_void_p(p), ctypes.c_size_t(8192),\n"
        "                  mmap.PROT_READ | mmap.PROT_WRITE, -1)\n"
        "assert rc == 0, ctypes.get_errno()\n"
        "ctypes.memset(p + 4096, ord('K'), 1)\n"
        "MS_SYNC = 4\n"
        "assert libc.msync(ctypes.c_void_p(p), ctypes.c_size_t(8192), MS_SYNC) == 0\n")
    with workdir() as tmp:
        write(os.path.join(tmp, "m.bin"), PAGES)
        run = trace(py(code), tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "m.bin"))[4096:4098] == b"Kx"
        assert_files(run, reads={"m.bin"}, writes={"m.bin"}, opened_only=set())


def test_ia32_old_mmap_shared_write():
    """ia32's "mmap" (number 90) takes its six arguments in memory."""
    with workdir() as tmp:
        write(os.path.join(tmp, "m.bin"), PAGES)
        run = trace(fx32("old-mmap", "m.bin"), tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "m.bin"))[:2] == b"Ox"
        assert_files(run, reads={"m.bin"}, writes={"m.bin"}, opened_only=set())
