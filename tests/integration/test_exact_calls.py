"""Core attribution of exact system calls (README "Semantics"), made by the fixture programs:
mmap of a file (fx_io), descriptors shared by two threads or with a child (fx_shared_fds) and
numbers reused after close or dup2 (fx_fds), reads and writes of zero bytes (fx_zero, and fx_io's
pread past the end), and the same calls from an ia32 program (fx_io32).

Every scenario runs in its own roartest.workdir() and compares the exact sets of paths under it.
"""
import os

from roartest import (assert_files, fixture, fx, fx32, fx_program, ok, read_bytes, record, trace,
                      workdir, write)

CONTENT = b"gamma\nalpha\nbeta\n"


# ----------------------------------------------------------------------------- mmap (fixture)

def test_mmap_read():
    with workdir() as tmp:
        write(os.path.join(tmp, "m.bin"), CONTENT * 1000)
        run = trace(fx("mmap-read", "m.bin"), tmp)
        ok(run)
        assert_files(run, reads={"m.bin"}, writes=set(), opened_only=set())


def test_mmap_shared_write():
    with workdir() as tmp:
        write(os.path.join(tmp, "m.bin"), CONTENT)
        run = trace(fx("mmap-shared-write", "m.bin"), tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "m.bin")) == b"X" + CONTENT[1:]
        # PROT_READ|PROT_WRITE, MAP_SHARED of a non-empty file: read and written.
        assert_files(run, reads={"m.bin"}, writes={"m.bin"}, opened_only=set())


def test_mmap_private_writable_mapping_is_not_a_write():
    with workdir() as tmp:
        write(os.path.join(tmp, "m.bin"), CONTENT)
        run = trace(fx("mmap-private-write", "m.bin"), tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "m.bin")) == CONTENT
        assert_files(run, reads={"m.bin"}, writes=set(), opened_only=set())


# ----------------------------------------------------------------------------- descriptors

def test_two_threads_write_through_one_shared_fd():
    with workdir() as tmp:
        run = trace(fx_program("fx_shared_fds", "threads-write", "t.txt"), tmp)
        ok(run)
        lines = run.stdout.decode().split("\n")
        writers = sorted(int(t) for t in lines[:2])
        main_tid = int(lines[2].split()[1])
        assert len(set(writers)) == 2 and main_tid not in writers, run.stdout
        assert sorted(read_bytes(os.path.join(tmp, "t.txt")).decode().splitlines()) == \
            sorted(f"thread {t}" for t in writers)
        assert_files(run, reads=set(), writes={"t.txt"}, opened_only=set())
        assert record(run, tmp, "t.txt")["written_threads"] == writers
        assert main_tid == run.root()["pid"]


def test_child_uses_parent_fd_fixture():
    with workdir() as tmp:
        write(os.path.join(tmp, "in.txt"), CONTENT)
        run = trace(fx_program("fx_shared_fds", "child-uses-parent-fd", "in.txt", "out.txt"),
                    tmp)
        ok(run)
        child = int(run.stdout)
        assert read_bytes(os.path.join(tmp, "out.txt")) == CONTENT
        assert_files(run, reads={"in.txt"}, writes={"out.txt"}, opened_only=set())
        assert record(run, tmp, "in.txt")["read_threads"] == [child]
        assert record(run, tmp, "out.txt")["written_threads"] == [child]
        procs = {p["pid"]: p for p in run.processes()}
        assert child in procs, run.processes()
        assert procs[child]["parent_pid"] == run.root()["pid"]


def test_child_uses_parent_fd_shell():
    with workdir() as tmp:
        write(os.path.join(tmp, "in.txt"), CONTENT)
        run = trace(["sh", "-c", "(cat <&3) 3< in.txt"], tmp)
        ok(run)
        assert run.stdout == CONTENT
        assert_files(run, reads={"in.txt"}, writes=set(), opened_only=set())


def test_fd_reuse_after_close_read_then_write():
    with workdir() as tmp:
        write(os.path.join(tmp, "a"), CONTENT)
        run = trace(fx_program("fx_fds", "fd-reuse", "a", "b"), tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "b")) == b"new\n"
        # a was read on fd N, then b written on the same N: a must not be written, b not read.
        assert_files(run, reads={"a"}, writes={"b"}, opened_only=set())


def test_fd_reuse_after_close_write_then_read():
    with workdir() as tmp:
        write(os.path.join(tmp, "b"), CONTENT)
        run = trace(fx_program("fx_fds", "fd-reuse-write-first", "a", "b"), tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "a")) == b"old\n"
        assert_files(run, reads={"b"}, writes={"a"}, opened_only=set())


def test_fd_reuse_by_dup2_over_an_open_fd():
    with workdir() as tmp:
        write(os.path.join(tmp, "a"), CONTENT)
        run = trace(fx_program("fx_fds", "dup2-reuse", "a", "b"), tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "b")) == b"new\n"
        assert_files(run, reads={"a"}, writes={"b"}, opened_only=set())


# ----------------------------------------------------------------------------- zero bytes

def test_zero_byte_read_of_empty_file():
    with workdir() as tmp:
        write(os.path.join(tmp, "empty"), b"")
        run = trace(fx_program("fx_zero", "zero-read", "empty"), tmp)
        ok(run)
        assert_files(run, reads=set(), writes=set(), opened_only={"empty"})


def test_zero_byte_read_at_end_of_file():
    with workdir() as tmp:
        write(os.path.join(tmp, "f"), CONTENT)
        run = trace(fx_program("fx_zero", "zero-read", "f"), tmp)
        ok(run)
        assert_files(run, reads=set(), writes=set(), opened_only={"f"})


def test_zero_byte_write():
    with workdir() as tmp:
        write(os.path.join(tmp, "existing"), CONTENT)
        run = trace(["sh", "-c", '"$0" zero-write new && "$0" zero-write existing',
                     fixture("fx_zero")], tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "new")) == b""
        assert read_bytes(os.path.join(tmp, "existing")) == CONTENT
        assert_files(run, reads=set(), writes=set(), opened_only={"new", "existing"})


def test_pread_and_preadv_past_end_of_file():
    with workdir() as tmp:
        write(os.path.join(tmp, "f"), CONTENT)
        past = str(len(CONTENT) + 10)
        run = trace(["sh", "-c", '"$0" pread f "$1" 4 && "$0" preadv f "$1"',
                     fixture("fx_io"), past], tmp)
        ok(run)
        assert run.stdout == b"0\n0\n"
        assert_files(run, reads=set(), writes=set(), opened_only={"f"})


def test_pread_inside_the_file_is_a_read():
    with workdir() as tmp:
        write(os.path.join(tmp, "f"), CONTENT)
        run = trace(fx("pread", "f", str(len(CONTENT) - 1), "4"), tmp)
        ok(run)
        assert run.stdout == b"1\n"
        assert_files(run, reads={"f"}, writes=set(), opened_only=set())


# ----------------------------------------------------------------------------- ia32 (fx_io32)

def test_ia32_read_and_write():
    argv = fx32("copy", "in.txt", "out.txt")
    with workdir() as tmp:
        write(os.path.join(tmp, "in.txt"), CONTENT)
        run = trace(argv, tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "out.txt")) == CONTENT
        assert_files(run, reads={"in.txt"}, writes={"out.txt"}, opened_only=set())
        root = run.root()
        assert root["command"] == argv
        assert record(run, tmp, "in.txt")["read_threads"] == [root["pid"]]


def test_ia32_mmap2():
    argv = fx32("mmap-read", "r.bin")
    with workdir() as tmp:
        write(os.path.join(tmp, "r.bin"), CONTENT * 1000)
        write(os.path.join(tmp, "w.bin"), CONTENT)
        run = trace(["sh", "-c", '"$0" mmap-read r.bin && "$0" mmap-shared-write w.bin',
                     argv[0]], tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "w.bin")) == b"X" + CONTENT[1:]
        assert_files(run, reads={"r.bin", "w.bin"}, writes={"w.bin"}, opened_only=set())


def test_ia32_offsets_in_register_pairs():
    prog = fx32()[0]
    with workdir() as tmp:
        write(os.path.join(tmp, "past"), CONTENT)
        write(os.path.join(tmp, "inside"), CONTENT)
        # 2**32 + 1: past the end, but its low word alone (1) lies inside the file.
        high = str(2**32 + 1)
        script = ('"$0" pread past "$1" 4 && "$0" preadv past "$1" && '
                  '"$0" pread inside 1 4 && "$0" pwritev w.bin 2')
        run = trace(["sh", "-c", script, prog, high], tmp)
        ok(run)
        assert run.stdout == b"0\n0\n4\n"
        assert read_bytes(os.path.join(tmp, "w.bin")) == b"\0\0abcd"
        assert_files(run, reads={"inside"}, writes={"w.bin"}, opened_only={"past"})


def test_ia32_sendfile():
    argv = fx32("sendfile", "src", "dst")
    with workdir() as tmp:
        write(os.path.join(tmp, "src"), CONTENT)
        run = trace(argv, tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "dst")) == CONTENT
        assert_files(run, reads={"src"}, writes={"dst"}, opened_only=set())
