"""Renames (README "Semantics"): a rename publishes content at its destination, which is written
(mv into place, sed -i); a directory renamed moves what the job wrote into it to the names it has
now; renameat2's RENAME_EXCHANGE writes both names, and RENAME_NOREPLACE onto an existing name
fails and writes nothing. A directory is never a file of the report.

Every scenario runs in its own roartest.workdir() and compares exact sets.
"""
import os
import re

from roartest import assert_files, ok, py, read_bytes, trace, workdir, write

CONTENT = b"gamma\nalpha\nbeta\n"


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


# ----------------------------------------------------------------------------- renameat2 of files

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
