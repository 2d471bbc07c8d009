"""The "recommended additions" to roar's own tracer scenarios, run against roar-seccomp: a shell's
redirect to fd 3, openat with a real dirfd, threads writing through a descriptor opened after they
started, truncate and unlink, O_CLOEXEC descriptors whose numbers are reused after exec, paths
through .. and symlinked directories reported canonical, and mmap of a file the process truncated
or wrote.

Every scenario compares the exact read, written and opened-only sets under its own
roartest.workdir() (README "Semantics").
"""
import os

from roartest import (assert_files, fx_program, ok, py, read_bytes, record, trace, workdir,
                      write)

CONTENT = b"gamma\nalpha\nbeta\n"


# ----------------------------------------------------------------------------- local helpers

def all_paths(run):
    """Every path the report names, decoded like roartest does (bytes paths surrogate-escaped)."""
    return [os.fsdecode(f["path"]) for f in run.report["files"]]


# ----------------------------------------------------------------------------- recommended

def test_rec_bash_exec_redirect_to_fd_3():
    """`exec 3>out; echo x >&3`: bash opens out, moves it to fd 3 (fcntl F_DUPFD / dup2), and
    the builtin echo writes through fd 3."""
    with workdir() as tmp:
        run = trace(["bash", "-c", "exec 3>out; echo x >&3; echo y >&3"], tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "out")) == b"x\ny\n"
        assert_files(run, reads=set(), writes={"out"}, opened_only=set())


def test_rec_openat_with_a_real_dirfd():
    """openat(dirfd, "in") and openat(dirfd, "out") with dirfd = sub/: the names resolve
    against sub/, not the cwd, which holds decoys with the same names."""
    with workdir() as tmp:
        os.mkdir(os.path.join(tmp, "sub"))
        write(os.path.join(tmp, "in"), b"decoy\n")
        write(os.path.join(tmp, "out"), b"decoy\n")
        write(os.path.join(tmp, "sub/in"), CONTENT)
        code = ("import os\n"
                "d = os.open('sub', os.O_RDONLY | os.O_DIRECTORY)\n"
                "i = os.open('in', os.O_RDONLY, dir_fd=d)\n"
                "data = os.read(i, 4096)\n"
                "o = os.open('out', os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644, dir_fd=d)\n"
                "os.write(o, data)\n")
        run = trace(py(code), tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "sub/out")) == CONTENT
        assert read_bytes(os.path.join(tmp, "out")) == b"decoy\n"
        assert_files(run, reads={"sub/in"}, writes={"sub/out"}, opened_only=set())


def test_rec_threads_write_through_fd_opened_after_they_started():
    """Two python threads start, then the main thread opens out; each thread writes through
    that fd (one fd table shared by all threads): out written, by exactly those two threads."""
    with workdir() as tmp:
        code = ("import os, threading\n"
                "started, opened = threading.Barrier(3), threading.Barrier(3)\n"
                "box = {}\n"
                "tids = []\n"
                "def writer():\n"
                "    tids.append(threading.get_native_id())\n"
                "    started.wait()\n"
                "    opened.wait()\n"
                "    os.write(box['fd'], b'%d\\n' % threading.get_native_id())\n"
                "ts = [threading.Thread(target=writer) for _ in range(2)]\n"
                "for t in ts: t.start()\n"
                "started.wait()\n"
                "box['fd'] = os.open('out', os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND)\n"
                "opened.wait()\n"
                "for t in ts: t.join()\n"
                "print(*sorted(tids))\n")
        run = trace(py(code), tmp)
        ok(run)
        tids = [int(t) for t in run.stdout.split()]
        assert len(set(tids)) == 2 and run.root()["pid"] not in tids, run.stdout
        assert_files(run, reads=set(), writes={"out"}, opened_only=set())
        assert record(run, tmp, "out")["written_threads"] == sorted(tids)


def test_rec_truncate_and_unlink_semantics():
    """README "Semantics": truncate(path) and ftruncate(fd) that succeed are writes (explicit content
    changes); unlink is not a write and names no file (roar's ptrace rule, not preload's)."""
    with workdir() as tmp:
        for name in ("a", "b", "c"):
            write(os.path.join(tmp, name), CONTENT)
        code = ("import os\n"
                "os.truncate('a', 2)\n"
                "fd = os.open('b', os.O_WRONLY)\n"
                "os.ftruncate(fd, 1)\n"
                "os.close(fd)\n"
                "os.unlink('c')\n")
        run = trace(py(code), tmp)
        ok(run)
        assert os.path.getsize(os.path.join(tmp, "a")) == 2
        assert os.path.getsize(os.path.join(tmp, "b")) == 1
        assert_files(run, reads=set(), writes={"a", "b"}, opened_only=set())


def test_rec_cloexec_fd_read_then_number_reused_for_write_after_exec():
    """A reads A on fd N opened O_CLOEXEC, execs; the new image opens B for writing on the
    same N and writes it (fx_paths cloexec-exec read). A must not be written, B not read."""
    with workdir() as tmp:
        write(os.path.join(tmp, "a"), CONTENT)
        run = trace(fx_program("fx_paths", "cloexec-exec", "read", "a", "b"), tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "b")) == b"new\n"
        assert_files(run, reads={"a"}, writes={"b"}, opened_only=set())
        assert len(run.processes()) == 1
        assert run.root()["command"] == ["fx_paths", "cloexec-reuse", "read",
                                         run.stdout.decode().strip(), "b"]


def test_rec_cloexec_fd_written_then_number_reused_for_read_after_exec():
    """The other direction (fx_paths cloexec-exec write): A written on an O_CLOEXEC fd N, exec,
    B read on the same N. A must not be read, B not written."""
    with workdir() as tmp:
        write(os.path.join(tmp, "b"), CONTENT)
        run = trace(fx_program("fx_paths", "cloexec-exec", "write", "a", "b"), tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "a")) == b"old\n"
        assert_files(run, reads={"b"}, writes={"a"}, opened_only=set())


def test_rec_dotdot_and_symlinked_directories_are_reported_canonical():
    """Relative and absolute paths through `..`, a symlinked directory and a symlink to a file
    are reported as the kernel's canonical paths: no `..`, no symlink component."""
    with workdir() as tmp:
        os.mkdir(os.path.join(tmp, "real"))
        os.mkdir(os.path.join(tmp, "sub"))
        os.symlink("real", os.path.join(tmp, "link"))
        os.symlink("in.txt", os.path.join(tmp, "in-link.txt"))
        write(os.path.join(tmp, "in.txt"), CONTENT)
        script = ('cat sub/../in.txt > link/out.txt && '
                  'cat "$1/link/../in.txt" > "$1/sub/../abs.txt" && '
                  'cat in-link.txt > "$1/sub/../link/./via-link.txt"')
        run = trace(["sh", "-c", script, "sh", tmp], tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "real/via-link.txt")) == CONTENT
        assert_files(run, reads={"in.txt"}, writes={"real/out.txt", "abs.txt",
                                                    "real/via-link.txt"}, opened_only=set())
        for path in all_paths(run):
            assert "/../" not in path and "/./" not in path, path
            assert not path.startswith(tmp + "/link/") and "in-link" not in path, path


def test_rec_mmap_read_of_own_truncated_fd_is_not_a_read():
    """README "Semantics": mmap(PROT_READ) of an fd the process opened O_RDWR|O_CREAT|O_TRUNC shows only
    what it wrote itself: written, not read (fx_paths mmap-after-write trunc)."""
    with workdir() as tmp:
        write(os.path.join(tmp, "t.bin"), CONTENT * 100)  # old content, truncated away
        run = trace(fx_program("fx_paths", "mmap-after-write", "t.bin", "trunc"), tmp)
        ok(run)
        assert run.stdout == b"6\n"
        assert_files(run, reads=set(), writes={"t.bin"}, opened_only=set())


def test_rec_mmap_read_of_untruncated_fd_is_a_read():
    """The contrast: the same calls on an fd opened O_RDWR|O_CREAT without O_TRUNC map bytes
    the process did not write: read and written (fx_paths mmap-after-write keep)."""
    with workdir() as tmp:
        write(os.path.join(tmp, "k.bin"), CONTENT * 100)
        run = trace(fx_program("fx_paths", "mmap-after-write", "k.bin", "keep"), tmp)
        ok(run)
        assert run.stdout == f"{len(CONTENT) * 100}\n".encode()
        assert_files(run, reads={"k.bin"}, writes={"k.bin"}, opened_only=set())
