"""Path operations (README "Semantics"): renames, links, O_TMPFILE, truncation, failed
calls, deleted and oddly named files, and everyday tools (sed -i, make, tar, xargs) at scale.

In short (README "Semantics"): a path is written when the tree put bytes into it, explicitly changed its size
(truncate, ftruncate, fallocate) or published content at it (rename destination, both names of
RENAME_EXCHANGE, link's new name, linkat of an O_TMPFILE fd); calls that fail count for nothing;
O_TRUNC/O_CREAT opens, unlink, stat and the like write nothing (the file is listed as opened when
it was opened). Every scenario runs in its own roartest.workdir() and compares exact sets.
"""
import errno
import os
import re
import subprocess

from roartest import (assert_files, need_tool, ok, py, python3, read_bytes, record, skip, trace,
                      unprivileged, workdir, write)

CONTENT = b"gamma\nalpha\nbeta\n"


# ----------------------------------------------------------------------------- local helpers

def no_kernel_decorations(run):
    """No path in the report is an O_TMPFILE placeholder ("/dir/#12345") or carries the
    " (deleted)" suffix /proc/PID/fd shows for unlinked files (README "The report")."""
    for f in run.report["files"]:
        path = os.fsdecode(f["path"])
        assert not re.search(r"/#\d+( \(deleted\))?$", path), path
        assert "(deleted)" not in path, path


# Python code shared by the renameat2 scenarios: renameat2(AT_FDCWD, a, AT_FDCWD, b, flags).
RENAMEAT2 = (
    "import ctypes, errno, os, sys\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    "AT_FDCWD, RENAME_NOREPLACE, RENAME_EXCHANGE = -100, 1, 2\n"
    "def renameat2(a, b, flags):\n"
    "    rc = libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, ctypes.c_uint(flags))\n"
    "    return 0 if rc == 0 else ctypes.get_errno()\n")


# ----------------------------------------------------------------------------- rename, sed -i

def test_rename_into_place():
    """Write a temporary then `mv` it over the final name: the final name is written (rename
    publishes content there), and so is the temporary (bytes were put into it), although it no
    longer exists. Nothing is read: mv moves no bytes."""
    with workdir() as tmp:
        write(os.path.join(tmp, "final.txt"), b"old\n")
        run = trace(["sh", "-c", "echo new > tmp.txt && mv tmp.txt final.txt"], tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "final.txt")) == b"new\n"
        assert not os.path.exists(os.path.join(tmp, "tmp.txt"))
        assert_files(run, reads=set(), writes={"tmp.txt", "final.txt"}, opened_only=set())


def test_rename_to_a_new_name_is_a_write_of_only_the_destination():
    """os.rename of a file the tree never touched: only the destination is written; the source
    name, which no longer exists, is not listed."""
    with workdir() as tmp:
        write(os.path.join(tmp, "a"), CONTENT)
        run = trace(py("import os; os.rename('a', 'b')"), tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "b")) == CONTENT
        assert_files(run, reads=set(), writes={"b"}, opened_only=set())


def test_sed_in_place():
    """`sed -i`: the edited file is read and (renamed over, so) written; sed's temporary
    (./sedXXXXXX, written then renamed away) is written too."""
    with workdir() as tmp:
        write(os.path.join(tmp, "f.txt"), b"a1\nb2\na3\n")
        run = trace(["sed", "-i", "s/a/z/", "f.txt"], tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "f.txt")) == b"z1\nb2\nz3\n"
        assert sorted(os.listdir(tmp)) == ["f.txt"]
        writes = run.writes()
        temps = writes - {"f.txt"}
        assert len(temps) == 1 and re.fullmatch(r"sed[A-Za-z0-9]{6}", next(iter(temps))), writes
        assert_files(run, reads={"f.txt"}, writes={"f.txt"} | temps, opened_only=set())


# ----------------------------------------------------------------------------- directory renames

def sh(script):
    return ["/bin/sh", "-c", script]


def no_directories_listed(run, tmp, *names):
    """A directory is never a file of the report, whatever was renamed."""
    for name in names:
        assert os.path.join(tmp, name) not in run.files(), f"{name} is listed: {sorted(run.files())}"


def test_directory_published_by_rename():
    """Stage a directory, rename it into place (CMake, npm, unpack-then-rename): the files the job
    wrote are written at the names they have now too, and read there."""
    with workdir() as tmp:
        run = trace(sh("mkdir stage; echo x > stage/a; echo y > stage/b; mv stage out; "
                       "cat out/a > copy"), tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "copy")) == b"x\n"
        assert_files(run, reads={"out/a"},
                     writes={"stage/a", "stage/b", "out/a", "out/b", "copy"}, opened_only=set())
        no_directories_listed(run, tmp, "stage", "out")


def test_nested_directory_renames():
    """A renamed directory inside a directory renamed later: the file is written at each name it
    had below them."""
    with workdir() as tmp:
        run = trace(sh("mkdir -p t/inner && echo f > t/inner/f && mv t/inner t/moved && "
                       "mv t final"), tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "final/moved/f")) == b"f\n"
        assert_files(run, reads=set(), writes={"t/inner/f", "t/moved/f", "final/moved/f"},
                     opened_only=set())
        no_directories_listed(run, tmp, "t", "t/inner", "t/moved", "final", "final/moved")


def test_rename_of_a_parent_directory_moves_what_was_written_deeper():
    with workdir() as tmp:
        run = trace(sh("mkdir -p p/q/r && echo deep > p/q/r/f && mv p renamed"), tmp)
        ok(run)
        assert_files(run, reads=set(), writes={"p/q/r/f", "renamed/q/r/f"}, opened_only=set())
        no_directories_listed(run, tmp, "p", "renamed", "renamed/q")


def test_renaming_a_directory_the_job_did_not_write_into_writes_nothing():
    """Only what the tree wrote moves with the directory: files it found there are not outputs."""
    with workdir() as tmp:
        os.mkdir(os.path.join(tmp, "given"))
        write(os.path.join(tmp, "given", "old"), b"old\n")
        run = trace(sh("mv given taken"), tmp)
        ok(run)
        assert_files(run, reads=set(), writes=set(), opened_only=set())
        no_directories_listed(run, tmp, "given", "taken")


def test_renameat2_exchange_of_two_directories():
    """Each directory's written files are now below the other name: all four names written."""
    with workdir() as tmp:
        code = RENAMEAT2 + (
            "os.mkdir('a'); os.mkdir('b')\n"
            "open('a/x', 'w').write('x')\n"
            "open('b/y', 'w').write('y')\n"
            "sys.exit(renameat2(b'a', b'b', RENAME_EXCHANGE))\n")
        run = trace(py(code), tmp)
        ok(run)
        assert sorted(os.listdir(os.path.join(tmp, "a"))) == ["y"]
        assert_files(run, reads=set(), writes={"a/x", "b/y", "b/x", "a/y"}, opened_only=set())
        no_directories_listed(run, tmp, "a", "b")


def test_renameat2_exchange_of_a_file_and_a_directory():
    """The file is written at the directory's old name; the directory's written files moved."""
    with workdir() as tmp:
        code = RENAMEAT2 + (
            "os.mkdir('d')\n"
            "open('d/in', 'w').write('in')\n"
            "open('f', 'w').write('f')\n"
            "sys.exit(renameat2(b'f', b'd', RENAME_EXCHANGE))\n")
        run = trace(py(code), tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "d")) == b"f"
        assert_files(run, reads=set(), writes={"d/in", "f", "d", "f/in"}, opened_only=set())


def test_failed_directory_rename_moves_nothing():
    """Renaming a directory onto a non-empty one fails (ENOTEMPTY): no name moves."""
    with workdir() as tmp:
        run = trace(sh("mkdir stage out && echo x > stage/a && echo y > out/keep && "
                       "(mv -T stage out 2>/dev/null; true)"), tmp)
        ok(run)
        assert os.path.exists(os.path.join(tmp, "stage/a"))
        assert_files(run, reads=set(), writes={"stage/a", "out/keep"}, opened_only=set())
        no_directories_listed(run, tmp, "stage", "out")


# ----------------------------------------------------------------------------- links

def test_hard_link():
    """`ln a b`: b (the new name) is written; a is neither opened nor written."""
    with workdir() as tmp:
        write(os.path.join(tmp, "a"), CONTENT)
        run = trace(["ln", "a", "b"], tmp)
        ok(run)
        assert os.path.samefile(os.path.join(tmp, "a"), os.path.join(tmp, "b"))
        assert_files(run, reads=set(), writes={"b"}, opened_only=set())


def test_link_into_a_symlinked_directory():
    """`ln a sym/b` with sym -> real: the canonical path real/b is written, not sym/b."""
    with workdir() as tmp:
        write(os.path.join(tmp, "a"), CONTENT)
        os.mkdir(os.path.join(tmp, "real"))
        os.symlink("real", os.path.join(tmp, "sym"))
        run = trace(["ln", "a", "sym/b"], tmp)
        ok(run)
        assert os.path.samefile(os.path.join(tmp, "a"), os.path.join(tmp, "real/b"))
        assert_files(run, reads=set(), writes={"real/b"}, opened_only=set())


# Python that names an O_TMPFILE descriptor as the linkat(2) man page shows:
# linkat(AT_FDCWD, "/proc/self/fd/N", AT_FDCWD, NAME, AT_SYMLINK_FOLLOW). (os.link calls
# link(2), which does not follow the magic link and fails with EXDEV.)
LINK_THROUGH_PROC = (
    "import ctypes, os\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    "AT_FDCWD, AT_SYMLINK_FOLLOW = -100, 0x400\n"
    "def link_fd(fd, name):\n"
    "    src = f'/proc/self/fd/{fd}'.encode()\n"
    "    if libc.linkat(AT_FDCWD, src, AT_FDCWD, name.encode(), AT_SYMLINK_FOLLOW) != 0:\n"
    "        e = ctypes.get_errno()\n"
    "        raise OSError(e, os.strerror(e))\n")


def proc_fd_link_refusal(tmp):
    """Why the scenario's linkat through a /proc/self/fd magic link fails here without any
    tracer (a kernel or sandbox could refuse it), or None when it works: the same call, made
    untraced by the same Python."""
    probe = py(LINK_THROUGH_PROC + (
        "fd = os.open('.', os.O_TMPFILE | os.O_WRONLY, 0o600)\n"
        "link_fd(fd, 'probe')\n"
        "os.unlink('probe')\n"))
    proc = subprocess.run(probe, cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          check=False)
    if proc.returncode != 0:
        return proc.stderr.decode(errors="replace").strip().splitlines()[-1]
    return None


def test_o_tmpfile_linked_through_proc_self_fd():
    """An O_TMPFILE file (no name while it is written) given a name with
    linkat(AT_FDCWD, "/proc/self/fd/N", AT_FDCWD, "final", AT_SYMLINK_FOLLOW), then written
    again through the same fd: `final` is written; no "#ino" or "(deleted)" path appears.
    ("/proc/self" is the traced process, not the tracer that resolves the path.)"""
    with workdir() as tmp:
        refusal = proc_fd_link_refusal(tmp)
        if refusal is not None:
            skip(f"linkat through /proc/self/fd fails here even untraced ({refusal})")
        code = LINK_THROUGH_PROC + (
            "fd = os.open('.', os.O_TMPFILE | os.O_WRONLY, 0o644)\n"
            "os.write(fd, b'before link\\n')\n"
            "link_fd(fd, 'final')\n"
            "os.write(fd, b'after link\\n')\n"
            "os.close(fd)\n")
        run = trace(py(code), tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "final")) == b"before link\nafter link\n"
        assert_files(run, reads=set(), writes={"final"}, opened_only=set())
        no_kernel_decorations(run)


def test_o_tmpfile_linked_with_at_empty_path():
    """The AT_EMPTY_PATH form: linkat(fd, "", AT_FDCWD, "final2", AT_EMPTY_PATH). Before Linux
    6.10 it needs CAP_DAC_READ_SEARCH; the scenario skips where the kernel refuses it."""
    with workdir() as tmp:
        code = ("import ctypes, errno, os, sys\n"
                "libc = ctypes.CDLL(None, use_errno=True)\n"
                "AT_FDCWD, AT_EMPTY_PATH = -100, 0x1000\n"
                "fd = os.open('.', os.O_TMPFILE | os.O_RDWR, 0o644)\n"
                "os.write(fd, b'tmpfile bytes\\n')\n"
                "if libc.linkat(fd, b'', AT_FDCWD, b'final2', AT_EMPTY_PATH) != 0:\n"
                "    e = ctypes.get_errno()\n"
                "    print(errno.errorcode.get(e, e))\n"
                "    sys.exit(10 if e in (errno.EPERM, errno.ENOENT) else 1)\n"
                "os.write(fd, b'more\\n')\n"
                "os.close(fd)\n")
        run = trace(py(code), tmp)
        if run.exit_code == 10:
            skip(f"linkat(AT_EMPTY_PATH) refused here ({run.stdout.decode().strip()}): it "
                 "needs CAP_DAC_READ_SEARCH before Linux 6.10")
        ok(run)
        assert read_bytes(os.path.join(tmp, "final2")) == b"tmpfile bytes\nmore\n"
        assert_files(run, reads=set(), writes={"final2"}, opened_only=set())
        no_kernel_decorations(run)


def test_renameat2_exchange_writes_both_names():
    """renameat2(a, b, RENAME_EXCHANGE): each name now shows the other's content: both
    written, neither read."""
    with workdir() as tmp:
        write(os.path.join(tmp, "a"), b"A\n")
        write(os.path.join(tmp, "b"), b"B\n")
        code = RENAMEAT2 + "sys.exit(renameat2(b'a', b'b', RENAME_EXCHANGE))\n"
        run = trace(py(code), tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "a")) == b"B\n"
        assert read_bytes(os.path.join(tmp, "b")) == b"A\n"
        assert_files(run, reads=set(), writes={"a", "b"}, opened_only=set())


def test_renameat2_noreplace_onto_an_existing_file_writes_nothing():
    """renameat2(a, b, RENAME_NOREPLACE) with b present fails with EEXIST: nothing is written
    and neither name is listed."""
    with workdir() as tmp:
        write(os.path.join(tmp, "a"), b"A\n")
        write(os.path.join(tmp, "b"), b"B\n")
        code = RENAMEAT2 + ("e = renameat2(b'a', b'b', RENAME_NOREPLACE)\n"
                            "sys.exit(0 if e == errno.EEXIST else 1)\n")
        run = trace(py(code), tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "b")) == b"B\n"
        assert_files(run, reads=set(), writes=set(), opened_only=set())


def test_renameat2_noreplace_onto_a_new_name_writes_it():
    """The contrast: RENAME_NOREPLACE onto a free name succeeds: the new name is written."""
    with workdir() as tmp:
        write(os.path.join(tmp, "a"), b"A\n")
        code = RENAMEAT2 + "sys.exit(renameat2(b'a', b'c', RENAME_NOREPLACE))\n"
        run = trace(py(code), tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "c")) == b"A\n"
        assert_files(run, reads=set(), writes={"c"}, opened_only=set())


# ----------------------------------------------------------------------------- truncating opens

def test_shell_truncation_of_existing_and_new_files_writes_nothing():
    """`: > existing` (truncated) and `: > new` (created): no byte is written: neither is
    written; both are listed as opened (roar's strict rule)."""
    with workdir() as tmp:
        write(os.path.join(tmp, "existing"), CONTENT)
        run = trace(["sh", "-c", ": > existing; : > new"], tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "existing")) == b""
        assert read_bytes(os.path.join(tmp, "new")) == b""
        assert_files(run, reads=set(), writes=set(), opened_only={"existing", "new"})


def test_touch_writes_nothing():
    """`touch new existing`: created / timestamps changed, no byte written: opened only."""
    with workdir() as tmp:
        write(os.path.join(tmp, "existing"), CONTENT)
        run = trace(["touch", "new", "existing"], tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "existing")) == CONTENT
        assert_files(run, reads=set(), writes=set(), opened_only={"new", "existing"})


def test_read_back_through_own_o_trunc_fd_is_not_a_read():
    """A file opened O_RDWR|O_CREAT|O_TRUNC, written, then read back through the same fd
    (GNU as does exactly this with every .o it writes): the bytes that flow out are the ones
    the process just put there, so the file is written, not read. This is roar's "O_TRUNC
    suppression" (in roar's own tracers an O_TRUNC fd is write-only for
    lineage, for read and mmap alike); the semantics state it for mmap, with that same reason."""
    with workdir() as tmp:
        write(os.path.join(tmp, "obj"), CONTENT)  # old content, truncated away
        code = ("import os\n"
                "fd = os.open('obj', os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)\n"
                "os.write(fd, b'header and body')\n"
                "os.lseek(fd, 0, os.SEEK_SET)\n"
                "assert os.read(fd, 4096) == b'header and body'\n"
                "os.close(fd)\n")
        run = trace(py(code), tmp)
        ok(run)
        assert_files(run, reads=set(), writes={"obj"}, opened_only=set())


def test_read_back_through_untruncated_fd_is_a_read():
    """The contrast: opened O_RDWR without O_TRUNC, written at 0 and read back to the end: the
    bytes after the written ones were there before: read and written."""
    with workdir() as tmp:
        write(os.path.join(tmp, "obj"), CONTENT)
        code = ("import os\n"
                "fd = os.open('obj', os.O_RDWR)\n"
                "os.write(fd, b'GA')\n"
                "os.lseek(fd, 0, os.SEEK_SET)\n"
                "assert os.read(fd, 4096) == b'GA' + %r[2:]\n"
                "os.close(fd)\n" % CONTENT)
        run = trace(py(code), tmp)
        ok(run)
        assert_files(run, reads={"obj"}, writes={"obj"}, opened_only=set())


def test_dd_notrunc_into_an_existing_file():
    """`dd conv=notrunc seek=1 bs=1 count=1`: one byte written inside an existing file."""
    with workdir() as tmp:
        write(os.path.join(tmp, "src"), b"X")
        write(os.path.join(tmp, "f"), b"abc")
        run = trace(["dd", "if=src", "of=f", "conv=notrunc", "seek=1", "bs=1", "count=1",
                     "status=none"], tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "f")) == b"aXc"
        assert_files(run, reads={"src"}, writes={"f"}, opened_only=set())


def test_truncate_to_a_new_size_is_a_write():
    """`truncate -s 100 f` (coreutils: open, then ftruncate): an explicit size change."""
    with workdir() as tmp:
        write(os.path.join(tmp, "f"), CONTENT)
        run = trace(["truncate", "-s", "100", "f"], tmp)
        ok(run)
        assert os.path.getsize(os.path.join(tmp, "f")) == 100
        assert_files(run, reads=set(), writes={"f"}, opened_only=set())


def test_truncate_to_the_current_size_counts_as_a_write():
    """`truncate -s <current size> f` and truncate(2) by path to the current size: the
    contents do not change, but the call succeeds and the semantics count every successful
    truncate/ftruncate (and for truncate(2) by path, success cannot be told from failure when
    the size already matches; filters/syscall_table.cpp counts it). What is reported: written."""
    with workdir() as tmp:
        write(os.path.join(tmp, "f"), CONTENT)
        write(os.path.join(tmp, "g"), CONTENT)
        size = str(len(CONTENT))
        run = trace(["sh", "-c", 'truncate -s "$1" f && "$2" -I -c "import os; os.truncate(\'g\', $1)"',
                     "sh", size, python3()], tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "f")) == CONTENT
        assert read_bytes(os.path.join(tmp, "g")) == CONTENT
        assert_files(run, reads=set(), writes={"f", "g"}, opened_only=set())


def test_fallocate_is_a_write():
    """fallocate(2) on a writable fd that succeeds: an explicit size change."""
    with workdir() as tmp:
        write(os.path.join(tmp, "f"), b"")
        code = ("import os\n"
                "fd = os.open('f', os.O_WRONLY)\n"
                "os.posix_fallocate(fd, 0, 4096)\n"
                "os.close(fd)\n")
        run = trace(py(code), tmp)
        ok(run)
        assert os.path.getsize(os.path.join(tmp, "f")) == 4096
        assert_files(run, reads=set(), writes={"f"}, opened_only=set())


# ----------------------------------------------------------------------------- failed calls

def test_failed_renames_write_nothing():
    """os.rename from a missing source (ENOENT), into a missing directory (ENOENT), and of a
    file onto a directory (EISDIR): all fail, so nothing is written and no name is listed;
    `mv missing dst2` fails too."""
    with workdir() as tmp:
        write(os.path.join(tmp, "a"), CONTENT)
        os.mkdir(os.path.join(tmp, "full"))
        write(os.path.join(tmp, "full/x"), CONTENT)
        code = ("import os, sys\n"
                "for src, dst in (('missing', 'dst'), ('a', 'nodir/b'), ('a', 'full')):\n"
                "    try:\n"
                "        os.rename(src, dst)\n"
                "    except OSError as e:\n"
                "        print(e.errno)\n"
                "    else:\n"
                "        sys.exit(f'rename {src} {dst} succeeded')\n")
        run = trace(["sh", "-c", '"$0" -I -c "$1"; mv missing dst2 2>/dev/null; test $? -ne 0',
                     python3(), code], tmp)
        ok(run)
        assert run.stdout.split() == [b"%d" % e for e in (errno.ENOENT, errno.ENOENT,
                                                           errno.EISDIR)], run.stdout
        assert read_bytes(os.path.join(tmp, "a")) == CONTENT
        assert_files(run, reads=set(), writes=set(), opened_only=set())


def test_failed_link_onto_an_existing_name_writes_nothing():
    """os.link(a, b) with b present: EEXIST; and `ln a b` fails the same way: nothing."""
    with workdir() as tmp:
        write(os.path.join(tmp, "a"), CONTENT)
        write(os.path.join(tmp, "b"), b"other\n")
        code = ("import errno, os\n"
                "try:\n"
                "    os.link('a', 'b')\n"
                "except FileExistsError:\n"
                "    print('EEXIST')\n")
        run = trace(["sh", "-c", '"$0" -I -c "$1" && ! ln a b 2>/dev/null', python3(), code],
                    tmp)
        ok(run)
        assert run.stdout == b"EEXIST\n"
        assert read_bytes(os.path.join(tmp, "b")) == b"other\n"
        assert_files(run, reads=set(), writes=set(), opened_only=set())


def test_failed_open_for_write_of_a_read_only_file_writes_nothing():
    """`echo x > ro` where ro is mode 0444 fails (EACCES) for anyone but root: nothing written,
    nothing opened."""
    if not unprivileged():
        skip("root may write a read-only file; the unprivileged variant runs this scenario")
    with workdir() as tmp:
        ro = write(os.path.join(tmp, "ro"), CONTENT)
        os.chmod(ro, 0o444)
        run = trace(["sh", "-c", "echo x > ro"], tmp)
        assert run.exit_code != 0, "the write should have been refused"
        assert read_bytes(ro) == CONTENT
        assert_files(run, reads=set(), writes=set(), opened_only=set())


def test_failed_write_to_a_read_only_fd_writes_nothing():
    """os.write on an O_RDONLY fd fails with EBADF: opened, not written, not read."""
    with workdir() as tmp:
        write(os.path.join(tmp, "f"), CONTENT)
        code = ("import os\n"
                "fd = os.open('f', os.O_RDONLY)\n"
                "try:\n"
                "    os.write(fd, b'x')\n"
                "except OSError as e:\n"
                "    print(e.errno)\n"
                "os.close(fd)\n")
        run = trace(py(code), tmp)
        ok(run)
        assert run.stdout == b"%d\n" % errno.EBADF
        assert_files(run, reads=set(), writes=set(), opened_only={"f"})


# ----------------------------------------------------------------------------- unlink, deleted

def test_unlink_of_a_written_file_keeps_it_written():
    """`echo x > f; rm f`: f was written (unlink itself counts for nothing either way)."""
    with workdir() as tmp:
        run = trace(["sh", "-c", "echo x > f; rm f"], tmp)
        ok(run)
        assert not os.path.exists(os.path.join(tmp, "f"))
        assert_files(run, reads=set(), writes={"f"}, opened_only=set())


def test_file_deleted_while_open_keeps_its_original_path():
    """f opened, unlinked, then written and read back through the fd; g opened, unlinked, then
    read: both reported under their original paths, without " (deleted)"."""
    with workdir() as tmp:
        write(os.path.join(tmp, "g"), CONTENT)
        code = ("import os\n"
                "f = os.open('f', os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)\n"
                "os.unlink('f')\n"
                "os.write(f, b'abc')\n"
                "os.lseek(f, 0, os.SEEK_SET)\n"
                "assert os.read(f, 16) == b'abc'\n"
                "g = os.open('g', os.O_RDONLY)\n"
                "os.unlink('g')\n"
                "assert os.read(g, 64)\n"
                "assert os.readlink(f'/proc/self/fd/{g}').endswith(' (deleted)')\n")
        run = trace(py(code), tmp)
        ok(run)
        assert os.listdir(tmp) == []
        assert_files(run, reads={"f", "g"}, writes={"f"}, opened_only=set())
        no_kernel_decorations(run)


# ----------------------------------------------------------------------------- names

def test_names_with_spaces_newlines_and_invalid_utf8():
    """Files named "a b.txt", "new\\nline.txt" and b"bad\\xff" written then read: the report
    decodes with raw=False (roartest checks every report so), the first two arrive as str, the
    invalid one losslessly as bytes (msgpack bin)."""
    names = [b"a b.txt", b"new\nline.txt", b"bad\xff"]
    with workdir() as tmp:
        code = ("import os\n"
                f"for name in {names!r}:\n"
                "    with open(name, 'wb') as f:\n"
                "        f.write(b'x' + name)\n"
                f"for name in {names!r}:\n"
                "    with open(name, 'rb') as f:\n"
                "        assert f.read() == b'x' + name\n")
        run = trace(py(code), tmp)
        ok(run)
        expected = {os.fsdecode(n) for n in names}
        assert_files(run, reads=expected, writes=expected, opened_only=set())
        paths = {f["path"] if isinstance(f["path"], bytes) else f["path"].encode(): f["path"]
                 for f in run.report["files"]}
        base = os.fsencode(tmp) + b"/"
        assert isinstance(paths[base + b"a b.txt"], str)
        assert isinstance(paths[base + b"new\nline.txt"], str)
        assert paths[base + b"bad\xff"] == base + b"bad\xff"  # bytes, exactly
        for key in ("read_files", "written_files", "opened_files"):
            assert base + b"bad\xff" in run.report[key], key


def test_path_near_path_max():
    """A file ~4000 bytes deep (nested 250-byte directory names) written then read: reported
    whole, not truncated."""
    with workdir() as tmp:
        parts = []
        while len(tmp) + sum(len(p) + 1 for p in parts) < 3700:
            parts.append(f"{len(parts):02d}" + "d" * 248)
        rel_dir = "/".join(parts)
        os.makedirs(os.path.join(tmp, rel_dir))
        name = "f" * (4000 - len(tmp) - len(rel_dir) - 2)
        rel = f"{rel_dir}/{name}"
        assert len(os.path.join(tmp, rel)) == 4000
        run = trace(["sh", "-c", 'echo deep > "$1" && cat "$1"', "sh", rel], tmp)
        ok(run)
        assert run.stdout == b"deep\n"
        assert_files(run, reads={rel}, writes={rel}, opened_only=set())


# ----------------------------------------------------------------------------- tools

def test_make_with_gcc_compiles_objects():
    """make builds two objects with `gcc -c`: the Makefile, .c and .h files read; the .o
    files written; nothing else in the project directory. (GNU as opens each .o
    O_RDWR|O_CREAT|O_TRUNC and reads back what it wrote: see
    test_read_back_through_own_o_trunc_fd_is_not_a_read.)"""
    need_tool("make")
    need_tool("gcc")
    with workdir() as tmp:
        write(os.path.join(tmp, "Makefile"),
              "all: main.o util.o\n"
              "%.o: %.c util.h\n"
              "\tgcc -c $< -o $@\n")
        write(os.path.join(tmp, "util.h"), "int util(int);\n")
        write(os.path.join(tmp, "util.c"), '#include "util.h"\nint util(int x) { return x + 1; }\n')
        write(os.path.join(tmp, "main.c"),
              '#include "util.h"\nint main(void) { return util(-1); }\n')
        run = trace(["make", "-s"], tmp)
        ok(run)
        assert os.path.exists(os.path.join(tmp, "main.o"))
        assert_files(run, reads={"Makefile", "main.c", "util.c", "util.h"},
                     writes={"main.o", "util.o"}, opened_only=set())


def test_tar_round_trip():
    """tar -c of src/ into a.tar, then tar -x into out/: sources read, the archive written then
    read, the extracted files written."""
    with workdir() as tmp:
        os.makedirs(os.path.join(tmp, "src/sub"))
        write(os.path.join(tmp, "src/a.txt"), CONTENT)
        write(os.path.join(tmp, "src/sub/b.txt"), CONTENT * 3)
        run = trace(["sh", "-c", "tar -cf a.tar -C src . && mkdir out && tar -xf a.tar -C out"],
                    tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "out/sub/b.txt")) == CONTENT * 3
        assert_files(run, reads={"src/a.txt", "src/sub/b.txt", "a.tar"},
                     writes={"a.tar", "out/a.txt", "out/sub/b.txt"}, opened_only=set())


def test_xargs_parallel_cp():
    """`xargs -P4 cp` over 40 files: every source read, every copy written."""
    with workdir() as tmp:
        os.mkdir(os.path.join(tmp, "src"))
        os.mkdir(os.path.join(tmp, "dst"))
        names = [f"f{i:02d}" for i in range(40)]
        for n in names:
            write(os.path.join(tmp, "src", n), f"{n}\n".encode() * 50)
        run = trace(["sh", "-c", "cd src && printf '%s\\n' * | xargs -P4 -I{} cp {} ../dst/{}"],
                    tmp)
        ok(run)
        assert sorted(os.listdir(os.path.join(tmp, "dst"))) == names
        assert_files(run, reads={f"src/{n}" for n in names}, writes={f"dst/{n}" for n in names},
                     opened_only=set())
        assert len(run.processes()) >= 42  # sh, printf-less sh, xargs and 40 cp


def test_two_thousand_files_written_then_read_by_cat():
    """One python process writes 2,000 files; one cat reads them all back."""
    with workdir() as tmp:
        code = ("for i in range(2000):\n"
                "    with open(f'f{i:04d}', 'w') as f:\n"
                "        f.write(f'{i}\\n')\n")
        run = trace(["sh", "-c", '"$0" -I -c "$1" && cat f* | wc -c', python3(), code], tmp)
        ok(run)
        names = {f"f{i:04d}" for i in range(2000)}
        assert int(run.stdout) == sum(len(f"{i}\n") for i in range(2000))
        assert_files(run, reads=names, writes=names, opened_only=set())


def test_three_hundred_processes_each_write_a_file():
    """300 background subshells each write their own file: all written, each by its own
    process, and all 300 processes in the report."""
    with workdir() as tmp:
        run = trace(["sh", "-c", "for i in $(seq 300); do echo $i > f$i & done; wait"], tmp)
        ok(run)
        names = {f"f{i}" for i in range(1, 301)}
        assert_files(run, reads=set(), writes=names, opened_only=set())
        assert len(run.processes()) >= 301, len(run.processes())
        writers = [tuple(record(run, tmp, n)["written_threads"]) for n in sorted(names)]
        assert all(len(w) == 1 for w in writers), writers
        assert len(set(writers)) == 300
        pids = {p["pid"] for p in run.processes()}
        assert {w[0] for w in writers} <= pids


def test_eight_threads_each_write_their_own_file():
    """Eight python threads each write their own file: each file's written_threads is exactly
    the thread that wrote it, eight distinct thread ids, none the main thread."""
    with workdir() as tmp:
        code = ("import os, threading\n"
                "go = threading.Barrier(8)\n"
                "def work(i):\n"
                "    go.wait()\n"
                "    with open(f't{i}', 'w') as f:\n"
                "        f.write('x')\n"
                "    print(i, threading.get_native_id(), flush=True)\n"
                "ts = [threading.Thread(target=work, args=(i,)) for i in range(8)]\n"
                "for t in ts: t.start()\n"
                "for t in ts: t.join()\n")
        run = trace(py(code), tmp)
        ok(run)
        tid_of = dict(tuple(map(int, line.split())) for line in run.stdout.splitlines())
        assert sorted(tid_of) == list(range(8)), run.stdout
        assert len(set(tid_of.values())) == 8 and run.root()["pid"] not in tid_of.values()
        assert_files(run, reads=set(), writes={f"t{i}" for i in range(8)}, opened_only=set())
        for i, tid in tid_of.items():
            assert record(run, tmp, f"t{i}")["written_threads"] == [tid], i
        procs = [(p["pid"], p["parent_pid"], p["command"]) for p in run.processes()]
        assert len(procs) == 1, procs  # threads are not processes

