"""Path operations (README "Semantics"): truncation, failed calls, deleted and oddly named files.
Renames are test_renames.py's; links and O_TMPFILE, test_links.py's; everyday tools (make, tar,
xargs) at scale, test_everyday_tools.py's.

In short (README "Semantics"): a path is written when the tree put bytes into it, explicitly
changed its size (truncate, ftruncate, fallocate) or published content at it (rename destination,
both names of RENAME_EXCHANGE, link's new name, linkat of an O_TMPFILE fd); calls that fail count
for nothing; O_TRUNC/O_CREAT opens, unlink, stat and the like write nothing (the file is listed as
opened when it was opened). Every scenario runs in its own roartest.workdir() and compares exact
sets.
"""
import errno
import os

from roartest import (assert_files, no_kernel_decorations, ok, py, python3, read_bytes,
                      trace, permission_checked, workdir, write)

CONTENT = b"gamma\nalpha\nbeta\n"


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
    """`echo x > ro` where ro is mode 0444 fails (EACCES): nothing written, nothing opened (root
    runs without the capability that overrides modes, as in a container that drops it)."""
    with workdir() as tmp:
        ro = write(os.path.join(tmp, "ro"), CONTENT)
        os.chmod(ro, 0o444)
        run = trace(["sh", "-c", "echo x > ro"], tmp, prefix=permission_checked())
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
