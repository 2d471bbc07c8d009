"""Loop-mounted scratch file systems (XFS, btrfs, ext4) for scenarios that need what the machine's
own file systems may lack: reflink clones, ext4's extent moves. The runner (run.py) makes them as root before a scenario runs,
hands it a directory it owns on each, and removes them afterwards."""
import contextlib
import os
import shutil
import subprocess
import tempfile

# Smallest sizes the Debian 12 mkfs tools accept, rounded up; the images are sparse files.
SIZES = {"xfs": 320 << 20, "btrfs": 256 << 20, "ext4": 64 << 20}
MKFS = {"xfs": ["-q", "-m", "reflink=1"], "btrfs": ["-q"], "ext4": ["-q", "-F"]}
PACKAGES = {"xfs": "xfsprogs", "btrfs": "btrfs-progs", "ext4": "e2fsprogs"}


class Unavailable(Exception):
    """The file system cannot be made here; the message says why."""


def env_name(kind):
    return f"ROAR_SCRATCH_{kind.upper()}"


def _run(argv, what):
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if proc.returncode != 0:
        raise Unavailable(f"{what} failed: {proc.stderr.decode(errors='replace').strip()}")


def _mkfs(kind):
    for candidate in (shutil.which(f"mkfs.{kind}"), f"/usr/sbin/mkfs.{kind}", f"/sbin/mkfs.{kind}"):
        if candidate and os.path.exists(candidate):
            return candidate
    raise Unavailable(f"mkfs.{kind} is not installed (Debian package {PACKAGES[kind]})")


def _unmount(mnt):
    for argv in (["umount", mnt], ["umount", "-l", mnt]):
        if subprocess.run(argv, stderr=subprocess.DEVNULL, check=False).returncode == 0:
            return


@contextlib.contextmanager
def mounted(kind, owner):
    """A fresh `kind` file system on a loop device; yields a directory on it owned by uid/gid
    `owner` (a tuple)."""
    if os.geteuid() != 0:
        raise Unavailable(f"a loop-mounted {kind} file system is made by root: run the suite as root")
    if not os.path.exists("/dev/loop-control"):
        raise Unavailable("this machine has no loop devices (/dev/loop-control is missing)")
    mkfs = _mkfs(kind)
    top = tempfile.mkdtemp(prefix=f"roar-{kind}-")
    mnt = os.path.join(top, "mnt")
    mounted_here = False
    try:
        os.chmod(top, 0o755)
        os.mkdir(mnt)
        image = os.path.join(top, "image")
        with open(image, "wb") as f:
            f.truncate(SIZES[kind])
        _run([mkfs, *MKFS[kind], image], f"mkfs.{kind}")
        _run(["mount", "-o", "loop", image, mnt], f"mounting a {kind} image on a loop device")
        mounted_here = True
        os.chmod(mnt, 0o755)
        work = os.path.join(mnt, "work")
        os.mkdir(work, 0o755)
        os.chown(work, *owner)
        yield work
    finally:
        if mounted_here:
            _unmount(mnt)
        shutil.rmtree(top, ignore_errors=True)


@contextlib.contextmanager
def prepared(kinds, owner):
    """Environment variables for a scenario: ROAR_SCRATCH_<KIND> naming its directory on each
    file system, or ROAR_SCRATCH_<KIND>_SKIP saying why there is none."""
    env = {}
    with contextlib.ExitStack() as stack:
        for kind in kinds:
            try:
                env[env_name(kind)] = stack.enter_context(mounted(kind, owner))
            except Unavailable as e:
                env[env_name(kind) + "_SKIP"] = str(e)
        yield env
