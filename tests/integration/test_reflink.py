"""Reflink clones (ioctl FICLONE, FICLONERANGE) on the file systems that make them: XFS and btrfs,
loop-mounted by the runner (scratch_fs.py), as root and as the unprivileged user in a directory
made for them there. A clone that works reads its source and writes its destination; one the
kernel refuses (EXDEV, EOPNOTSUPP, EINVAL) moves nothing; a dedupe changes no content. The
ioctls that move contents in ways the tracer does not decode make the report incomplete.

cp (coreutils 9 clones by default), cp -a and `cmake -E copy` make a FICLONE and nothing else
where it works, so without these rows their copies would be lost from the report.
"""
import os
import shutil
import tempfile

from roartest import (assert_files, need_tool, ok, py, read_bytes, scratch_dir, scratch_fs, trace,
                      write)

SOURCE = bytes(range(256)) * 64  # 16 KiB: several blocks, so that ranges can be aligned

# Python shared by the scenarios: clone(dst, src) and clone_range(...) through fcntl.ioctl,
# each printing and exiting with the errno the kernel gave (0 when it worked).
CLONE = (
    "import errno, fcntl, os, struct, sys\n"
    "FICLONE, FICLONERANGE, FIDEDUPERANGE = 0x40049409, 0x4020940d, 0xc0189436\n"
    "def outcome(call):\n"
    "    try:\n"
    "        call()\n"
    "        return 0\n"
    "    except OSError as e:\n"
    "        return e.errno\n"
    "def clone(dst, src):\n"
    "    return outcome(lambda: fcntl.ioctl(dst, FICLONE, src))\n"
    "def clone_range(dst, src, src_offset, length, dst_offset):\n"
    "    arg = struct.pack('qQQQ', src, src_offset, length, dst_offset)\n"
    "    return outcome(lambda: fcntl.ioctl(dst, FICLONERANGE, arg))\n"
    "def dedupe(src, dst, length):\n"
    "    arg = bytearray(struct.pack('QQHHI', 0, length, 1, 0, 0) + struct.pack('qQQiI', dst, 0, 0, 0, 0))\n"
    "    rc = outcome(lambda: fcntl.ioctl(src, FIDEDUPERANGE, arg))\n"
    "    return rc or struct.unpack_from('i', arg, 24 + 24)[0]\n"
    "def done(rc):\n"
    "    print(errno.errorcode.get(rc, rc) if rc else 'ok')\n"
    "    sys.exit(0 if rc == 0 else 10)\n")


def in_scratch(kind):
    """A fresh directory of the scenario's own on the scratch `kind` file system."""
    return tempfile.mkdtemp(prefix="t-", dir=scratch_dir(kind))


def outcome(run):
    return run.stdout.decode().strip()


def _cp(kind, *options):
    tmp = in_scratch(kind)
    write(os.path.join(tmp, "src.bin"), SOURCE)
    run = trace([need_tool("cp"), *options, "src.bin", "dst.bin"], tmp)
    ok(run)
    assert read_bytes(os.path.join(tmp, "dst.bin")) == SOURCE
    assert_files(run, reads={"src.bin"}, writes={"dst.bin"}, opened_only=set(), under=tmp)


@scratch_fs("xfs")
def test_cp_clones_on_xfs():
    """`cp src dst` on XFS: one FICLONE moves the whole file."""
    _cp("xfs")


@scratch_fs("btrfs")
def test_cp_clones_on_btrfs():
    _cp("btrfs")


@scratch_fs("xfs")
def test_cp_archive_clones_on_xfs():
    """`cp -a` opens the destination O_EXCL and clones into it."""
    _cp("xfs", "-a")


@scratch_fs("btrfs")
def test_cp_reflink_always_clones_on_btrfs():
    _cp("btrfs", "--reflink=always")


@scratch_fs("xfs")
def test_cmake_copy_clones_on_xfs():
    """CMake's file copies (cmake -E copy, file(COPY)) clone where they can."""
    tmp = in_scratch("xfs")
    write(os.path.join(tmp, "src.bin"), SOURCE)
    run = trace([need_tool("cmake"), "-E", "copy", "src.bin", "dst.bin"], tmp)
    ok(run)
    assert read_bytes(os.path.join(tmp, "dst.bin")) == SOURCE
    assert_files(run, reads={"src.bin"}, writes={"dst.bin"}, opened_only=set(), under=tmp)


def _clone_range_into_existing_file(kind):
    """FICLONERANGE of the source's second block onto the destination's first, inside the
    destination: its size stays, its content changes."""
    tmp = in_scratch(kind)
    write(os.path.join(tmp, "src.bin"), SOURCE)
    write(os.path.join(tmp, "dst.bin"), b"\0" * len(SOURCE))
    code = CLONE + (
        "src = os.open('src.bin', os.O_RDONLY)\n"
        "dst = os.open('dst.bin', os.O_RDWR)\n"
        "done(clone_range(dst, src, 4096, 4096, 0))\n")
    run = trace(py(code), tmp)
    assert outcome(run) == "ok", run.stdout
    ok(run)
    assert read_bytes(os.path.join(tmp, "dst.bin"))[:4096] == SOURCE[4096:8192]
    assert_files(run, reads={"src.bin"}, writes={"dst.bin"}, opened_only=set(), under=tmp)


@scratch_fs("xfs")
def test_ficlonerange_into_an_existing_file_on_xfs():
    _clone_range_into_existing_file("xfs")


@scratch_fs("btrfs")
def test_ficlonerange_into_an_existing_file_on_btrfs():
    _clone_range_into_existing_file("btrfs")


@scratch_fs("xfs")
def test_clone_across_file_systems_is_refused_with_exdev():
    """XFS to another file system: EXDEV, nothing moves (the job then copies some other way)."""
    tmp = in_scratch("xfs")
    other = tempfile.mkdtemp(prefix="roar-exdev-", dir="/dev/shm")
    try:
        write(os.path.join(tmp, "src.bin"), SOURCE)
        dst = write(os.path.join(other, "dst.bin"), b"old\n")
        code = CLONE + (
            "src = os.open('src.bin', os.O_RDONLY)\n"
            f"dst = os.open({dst!r}, os.O_RDWR)\n"
            "done(clone(dst, src))\n")
        run = trace(py(code), tmp)
        assert outcome(run) == "EXDEV", run.stdout
        assert read_bytes(dst) == b"old\n"
        assert_files(run, reads=set(), writes=set(), opened_only={"src.bin"}, under=tmp)
        assert_files(run, reads=set(), writes=set(), opened_only={"dst.bin"}, under=other)
    finally:
        shutil.rmtree(other, ignore_errors=True)


def test_clone_where_the_file_system_cannot_is_refused_with_eopnotsupp():
    """tmpfs has no reflinks: EOPNOTSUPP, nothing moves. The destination was just created (as
    cp does), so its change time is of the same clock tick: its size, which a clone would have
    set, tells that nothing happened."""
    tmp = tempfile.mkdtemp(prefix="roar-eopnotsupp-", dir="/dev/shm")
    try:
        write(os.path.join(tmp, "src.bin"), SOURCE)
        code = CLONE + (
            "src = os.open('src.bin', os.O_RDONLY)\n"
            "dst = os.open('dst.bin', os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)\n"
            "done(clone(dst, src))\n")
        run = trace(py(code), tmp)
        assert outcome(run) in ("EOPNOTSUPP", "ENOTSUP"), run.stdout  # one errno, two names
        assert read_bytes(os.path.join(tmp, "dst.bin")) == b""
        assert_files(run, reads=set(), writes=set(), opened_only={"src.bin", "dst.bin"},
                     under=tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@scratch_fs("xfs")
def test_unaligned_clone_range_is_refused_with_einval():
    """FICLONERANGE needs block-aligned offsets short of the source's end: EINVAL, nothing moves."""
    tmp = in_scratch("xfs")
    write(os.path.join(tmp, "src.bin"), SOURCE)
    write(os.path.join(tmp, "dst.bin"), b"\0" * len(SOURCE))
    code = CLONE + (
        "src = os.open('src.bin', os.O_RDONLY)\n"
        "dst = os.open('dst.bin', os.O_RDWR)\n"
        "done(clone_range(dst, src, 1, 4096, 0))\n")
    run = trace(py(code), tmp)
    assert outcome(run) == "EINVAL", run.stdout
    assert read_bytes(os.path.join(tmp, "dst.bin")) == b"\0" * len(SOURCE)
    assert_files(run, reads=set(), writes=set(), opened_only={"src.bin", "dst.bin"}, under=tmp)


@scratch_fs("xfs")
def test_clone_from_a_write_only_descriptor_is_refused_with_ebadf():
    tmp = in_scratch("xfs")
    write(os.path.join(tmp, "src.bin"), SOURCE)
    code = CLONE + (
        "src = os.open('src.bin', os.O_WRONLY)\n"
        "dst = os.open('dst.bin', os.O_RDWR | os.O_CREAT, 0o644)\n"
        "done(clone(dst, src))\n")
    run = trace(py(code), tmp)
    assert outcome(run) == "EBADF", run.stdout
    assert_files(run, reads=set(), writes=set(), opened_only={"src.bin", "dst.bin"}, under=tmp)


@scratch_fs("xfs")
def test_dedupe_changes_no_content_and_is_neither_read_nor_write():
    """FIDEDUPERANGE shares extents only where the bytes are already equal: no file's content
    changes, so it is not traced at all."""
    tmp = in_scratch("xfs")
    write(os.path.join(tmp, "a.bin"), SOURCE)
    write(os.path.join(tmp, "b.bin"), SOURCE)
    code = CLONE + (
        "a = os.open('a.bin', os.O_RDONLY)\n"
        "b = os.open('b.bin', os.O_RDWR)\n"
        "done(dedupe(a, b, 8192))\n")
    run = trace(py(code), tmp)
    assert outcome(run) == "ok", run.stdout
    assert_files(run, reads=set(), writes=set(), opened_only={"a.bin", "b.bin"}, under=tmp)


@scratch_fs("xfs", "btrfs")
def test_cp_between_xfs_and_btrfs_falls_back_to_a_copy():
    """Across file systems cp's clone fails with EXDEV and it copies with copy_file_range: the
    same read and write, through the other rule."""
    src_dir = in_scratch("xfs")
    dst_dir = in_scratch("btrfs")
    src = write(os.path.join(src_dir, "src.bin"), SOURCE)
    run = trace([need_tool("cp"), src, os.path.join(dst_dir, "dst.bin")], src_dir)
    ok(run)
    assert read_bytes(os.path.join(dst_dir, "dst.bin")) == SOURCE
    assert_files(run, reads={"src.bin"}, writes=set(), opened_only=set(), under=src_dir)
    assert_files(run, reads=set(), writes={"dst.bin"}, opened_only=set(), under=dst_dir)


@scratch_fs("ext4")
def test_ext4_extent_move_makes_the_report_incomplete():
    """EXT4_IOC_MOVE_EXT (e4defrag) moves data blocks between two files: not decoded, so the
    report says complete: false and names it."""
    tmp = in_scratch("ext4")
    write(os.path.join(tmp, "orig.bin"), SOURCE)
    write(os.path.join(tmp, "donor.bin"), bytes(len(SOURCE)))
    code = CLONE + (
        "EXT4_IOC_MOVE_EXT = 0xc028660f\n"
        "orig = os.open('orig.bin', os.O_RDWR)\n"
        "donor = os.open('donor.bin', os.O_RDWR)\n"
        "os.fsync(orig); os.fsync(donor)\n"
        "arg = bytearray(struct.pack('IIQQQQ', 0, donor, 0, 0, 1, 0))\n"
        "done(outcome(lambda: fcntl.ioctl(orig, EXT4_IOC_MOVE_EXT, arg)))\n")
    run = trace(py(code), tmp)
    assert outcome(run) == "ok", run.stdout
    assert run.report.get("complete") is False, run.report.get("complete")
    assert any("EXT4_IOC_MOVE_EXT" in w for w in run.warnings()), run.warnings()
