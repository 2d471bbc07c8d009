"""Links (README "Semantics"): link's new name is written (through a symlinked directory, under its
canonical path) and the linked file is not; an O_TMPFILE file, nameless while it is written, is
written under the name linkat gives it, through /proc/self/fd or with AT_EMPTY_PATH, and no
"#ino" placeholder or " (deleted)" path appears.

Every scenario runs in its own roartest.workdir() and compares exact sets.
"""
import os
import subprocess

from roartest import (assert_files, no_kernel_decorations, ok, py, read_bytes, skip, trace,
                      workdir, write)

CONTENT = b"gamma\nalpha\nbeta\n"


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
