#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/).

The seeds are checked in; rerun this script after changing an input format:
    python3 tests/fuzz/make_corpus.py [OUTPUT_DIR]     (default: tests/fuzz/corpus)

fuzz_report seeds are msgpack reports (valid ones in roar's shape, and near misses);
fuzz_notification seeds follow the input format described at the top of
fuzz_notification.cpp. Syscall numbers are x86-64's; on another host the same bytes still make
valid (if different) inputs.
"""

import os
import random
import struct
import sys

# ---- a minimal msgpack writer (no dependency on python3-msgpack) --------------------------------


def mp(value):
    if value is None:
        return b"\xc0"
    if value is True:
        return b"\xc3"
    if value is False:
        return b"\xc2"
    if isinstance(value, Raw):
        return value.data
    if isinstance(value, int):
        if 0 <= value < 0x80:
            return bytes([value])
        if -32 <= value < 0:
            return struct.pack("b", value)
        if 0 <= value <= 0xFFFFFFFF:
            return b"\xce" + struct.pack(">I", value)
        if 0 <= value:
            return b"\xcf" + struct.pack(">Q", value)
        return b"\xd3" + struct.pack(">q", value)
    if isinstance(value, float):
        return b"\xcb" + struct.pack(">d", value)
    if isinstance(value, str):
        data = value.encode("utf-8", "surrogateescape")
        return mp_str(data)
    if isinstance(value, bytes):
        return b"\xc4" + bytes([len(value)]) + value if len(value) < 256 else b"\xc5" + struct.pack(">H", len(value)) + value
    if isinstance(value, list):
        head = bytes([0x90 | len(value)]) if len(value) < 16 else b"\xdc" + struct.pack(">H", len(value))
        return head + b"".join(mp(v) for v in value)
    if isinstance(value, (dict, Pairs)):
        items = value.items() if isinstance(value, dict) else value.pairs
        items = list(items)
        head = bytes([0x80 | len(items)]) if len(items) < 16 else b"\xde" + struct.pack(">H", len(items))
        return head + b"".join(mp(k) + mp(v) for k, v in items)
    raise TypeError(value)


def mp_str(data):
    if len(data) < 32:
        return bytes([0xA0 | len(data)]) + data
    if len(data) < 256:
        return b"\xd9" + bytes([len(data)]) + data
    return b"\xda" + struct.pack(">H", len(data)) + data


class Raw:
    """Bytes written as they are (a str with invalid UTF-8, a float32, ...)."""

    def __init__(self, data):
        self.data = data


class Pairs:
    """A map with keys in a given order, duplicates allowed."""

    def __init__(self, pairs):
        self.pairs = pairs


def report(**over):
    r = {
        "version": 1,
        "processes": [
            {"pid": 100, "parent_pid": None, "command": ["sh", "-c", "cat a > b"],
             "env": {"HOME": "/root", "PATH": "/usr/bin"}},
            {"pid": 101, "parent_pid": 100, "command": ["cat", "a"], "env": {}},
        ],
        "files": [
            {"path": "/tmp/a", "read": True, "written": False, "read_threads": [101]},
            {"path": "/tmp/b", "read": False, "written": True, "written_threads": [100]},
        ],
        "opened_files": ["/tmp/a", "/tmp/b"],
        "read_files": ["/tmp/a"],
        "written_files": ["/tmp/b"],
        "env_accessed": {"HOME": "/root", "PATH": "/usr/bin"},
        "start_time": 1700000000.25,
        "end_time": 1700000001.5,
        "tracer_mode": "seccomp",
        "events_dropped": 0,
        "complete": True,
    }
    r.update(over)
    return {k: v for k, v in r.items() if v is not Ellipsis}


def report_seeds():
    bad_utf8 = Raw(mp_str(b"caf\xc3(\xff"))
    yield "minimal", mp({"version": 1})
    yield "empty_map", mp({})
    yield "full", mp(report())
    yield "warnings_incomplete", mp(report(complete=False, warnings=["io_uring was allowed", "x"]))
    yield "bin_path", mp(report(files=[{"path": b"/tmp/\xff\xfe", "read": True, "written": True,
                                        "read_threads": [100, 101], "written_threads": [101]}]))
    yield "bad_utf8_strings", mp(report(
        processes=[{"pid": 100, "parent_pid": None, "command": [bad_utf8, "ok"],
                    "env": Pairs([(bad_utf8, bad_utf8), (Raw(mp_str(b"caf\xc3)\xfe")), "2")])}],
        tracer_mode=bad_utf8, warnings=[bad_utf8]))
    yield "control_chars", mp(report(files=[
        {"path": "/tmp/line\nbreak\t\x1b[31m\u202e\\", "read": True, "written": False,
         "read_threads": [100]}], warnings=["a\nb"]))
    yield "odd_times", mp(report(start_time=float("nan"), end_time=float("inf")))
    yield "float32_int_times", mp(report(start_time=Raw(b"\xca" + struct.pack(">f", 1.5)), end_time=2))
    yield "huge_times", mp(report(start_time=-1e300, end_time=1e12))
    yield "negative_ints", mp(report(version=-1, events_dropped=2**64 - 1, processes=[
        {"pid": -5, "parent_pid": -2147483648, "command": [], "env": {}}]))
    yield "duplicate_keys", mp(Pairs([("version", 1), ("version", 2), ("files", []),
                                      ("files", [{"path": "/x"}])]))
    yield "unknown_keys", mp(report(extra={"nested": [1, 2, {"deep": None}]}))
    yield "wrong_type", mp(report(files={"path": "/x"}))
    yield "int_too_big", mp(report(version=2**40))
    yield "trailing_bytes", mp({"version": 1}) + b"\x00"
    yield "truncated", mp(report())[:40]
    yield "not_a_map", mp([1, 2, 3])
    yield "deep_nesting", b"\x91" * 100 + b"\xc0"
    yield "big_length", b"\xdd\xff\xff\xff\xff"
    yield "ext_type", mp({"version": Raw(b"\xd4\x01\x02")})


# ---- fuzz_notification inputs -----------------------------------------------------------------

X86_64, I386 = 0, 1  # index into host_abis() on x86-64
NR = {  # x86-64 numbers
    "read": 0, "write": 1, "open": 2, "close": 3, "mmap": 9, "pread64": 17, "pwrite64": 18,
    "readv": 19, "writev": 20, "dup2": 33, "sendfile": 40, "execve": 59, "exit": 60,
    "wait4": 61, "truncate": 76, "ftruncate": 77, "rename": 82, "link": 86, "exit_group": 231,
    "openat": 257, "linkat": 265, "unshare": 272, "splice": 275, "fallocate": 285,
    "renameat2": 316, "seccomp": 317, "copy_file_range": 326, "io_uring_setup": 425,
    "close_range": 436, "openat2": 437,
}
NR_I386 = {"read": 3, "write": 4, "open": 5, "close": 6, "execve": 11}

TIDS = [100, 101, 102, 103, 200, 201, 104, 105]  # kTids in byte_tracee_view.hpp


# argument() selectors (argument() in fuzz_notification.cpp: u8 % 10, then its value bytes)
def a_zero():
    return b"\x00"


def a_fd(n):
    return bytes([1, n])


def a_cwd():
    return bytes([2, 1])


def a_ptr(k):
    return bytes([3, k])


def a_launcher(i):  # 0: argv, 1: fallback argv, 2: envp
    return bytes([4, i])


def a_u64(v):
    return bytes([5]) + struct.pack("<Q", v)


def a_count(n):
    return bytes([6, n])


def a_flag(i):  # index into kFlagWords
    return bytes([7, i])


def a_minus1():
    return bytes([8])


def call(name, args, view, tid=0, commit=True, abi=X86_64):
    nr = (NR if abi == X86_64 else NR_I386)[name]
    args = list(args) + [a_zero()] * (6 - len(args))
    out = bytes([0 if commit else 11, tid, 0, abi]) + struct.pack("<H", nr) + b"".join(args)
    return out + struct.pack("<H", len(view)) + view


def step(op, *payload):
    return bytes([op]) + b"".join(payload)


def chunk(view):
    return struct.pack("<H", len(view)) + view


def header(flags, cmdline=b"sh\0-c\0true\0", environ=b"HOME=/root\0A=1\0"):
    return bytes([flags, len(cmdline)]) + cmdline + bytes([len(environ)]) + environ


def filler(rng, n):
    return bytes(rng.randrange(256) for _ in range(n))


def notification_seeds():
    rng = random.Random(4242)
    # View bytes: first byte 1 = failed reads are not denials; then answers in query order.
    # status: 2 = "tgid is the tid", then the parent (index 6 = the tracer, 0 = the root).
    view_status_root = b"\x01\x02\x06"
    yield "root_reads_file", header(0x06) + call(
        "read", [a_fd(3), a_ptr(1), a_count(16)],
        view_status_root + b"\x00" + b"\x03\x00\x01\x05\x01\x00\x01\x00") + chunk(b"\x01")
    yield "write_pipe_and_file", header(0x06) + call(
        "write", [a_fd(1), a_ptr(1), a_count(5)], view_status_root + b"\x00\x02\x02") + call(
        "write", [a_fd(4), a_ptr(2), a_count(5)], b"\x01\x00\x02\x03") + chunk(b"")
    yield "truncating_open_then_close", header(0x06) + call(
        "openat", [a_cwd(), a_ptr(3), a_flag(1)], view_status_root + b"\x00\x00\x0b\x01\x01\x01") + call(
        "close", [a_fd(3)], b"\x01\x00\x00") + chunk(b"\x01\x01")
    yield "rename_pending", header(0x06) + call(
        "rename", [a_ptr(1), a_ptr(2)], view_status_root + b"\x00\x00\x01\x00\x01\x01\x01\x01\x00") + call(
        "read", [a_fd(0), a_ptr(1), a_count(1)], b"\x01\x00\x01\x01\x01\x01") + chunk(b"\x01\x01\x01\x01")
    yield "exec_launcher_then_program", header(0x06) + call(
        "execve", [a_ptr(5), a_launcher(0), a_launcher(2)], view_status_root) + call(
        "execve", [a_ptr(5), a_ptr(6), a_ptr(7)], b"\x01" + filler(rng, 60)) + chunk(b"")
    yield "fork_child_and_wait", header(0x02) + call(
        "write", [a_fd(1), a_ptr(1), a_count(3)], view_status_root + b"\x00\x01\x01") + call(
        "read", [a_fd(0), a_ptr(1), a_count(3)], b"\x01\x02\x00\x00\x00\x01\x01", tid=1) + call(
        "wait4", [a_minus1(), a_zero()], b"\x01\x02\x06\x00\x06\x00\x00\x00") + chunk(b"")
    yield "thread_of_root", header(0x06) + call(
        "read", [a_fd(5), a_ptr(1), a_count(8)], b"\x01\x01\x00\x00\x01\x02" + filler(rng, 20), tid=6) + chunk(b"")
    yield "splice_empty_pipe", header(0x06) + call(
        "splice", [a_fd(3), a_zero(), a_fd(4), a_ptr(9), a_count(64)],
        view_status_root + b"\x00" + filler(rng, 40)) + call(
        "exit_group", [a_zero()], b"\x01") + chunk(filler(rng, 16))
    yield "io_uring_allowed", header(0x07) + call("io_uring_setup", [a_count(8), a_ptr(1)], view_status_root) + chunk(b"")
    yield "io_uring_refused", header(0x06) + call("io_uring_setup", [a_count(8), a_ptr(1)], view_status_root) + chunk(b"")
    yield "own_listener", header(0x06) + call("seccomp", [a_flag(6), a_flag(13), a_ptr(1)], view_status_root) + chunk(b"")
    yield "unshare_files", header(0x06) + call("unshare", [a_flag(8)], view_status_root) + chunk(b"")
    yield "i386_read", header(0x06) + call(
        "read", [a_fd(3), a_ptr(1), a_count(4)], view_status_root + filler(rng, 24), abi=I386) + chunk(b"")
    yield "mmap_shared", header(0x06) + call(
        "mmap", [a_zero(), a_count(200), a_flag(10), a_flag(11), a_fd(3), a_zero()],
        view_status_root + filler(rng, 24)) + chunk(b"")
    yield "nested_run", header(0x06) + call(
        "write", [a_fd(1), a_ptr(1), a_count(1)], view_status_root) + step(
        13, b"\x00", b"\x01", a_ptr(1), a_ptr(2), a_ptr(3), chunk(b"\x01\x02\x00" + b"\x01" * 8 + b"\x00" * 8)) + call(
        "write", [a_fd(4), a_ptr(1), a_count(1)], b"\x01\x02\x00\x00\x00\x01\x02\x03", tid=1) + step(
        14, b"\x00", b"\x00", chunk(b"")) + chunk(b"")
    yield "process_gone_then_reuse", header(0x06) + call(
        "read", [a_fd(3), a_ptr(1), a_count(4)], b"\x01\x02\x00\x00\x00\x00\x00\x01\x01\x00", tid=2) + step(
        12, b"\x02") + call(
        "read", [a_fd(3), a_ptr(1), a_count(4)], b"\x01\x02\x00\x00\x00\x00\x00\x01\x01\x00", tid=2) + chunk(b"")
    yield "abandoned_call", header(0x06) + call(
        "rename", [a_ptr(1), a_ptr(2)], view_status_root + filler(rng, 30), commit=False) + chunk(b"")
    yield "unknown_syscall", header(0x00) + bytes([0, 0, 0x18]) + struct.pack("<I", 0xC000003E) + struct.pack(
        "<I", 999) + b"".join([a_zero()] * 6) + chunk(b"") + chunk(b"")
    yield "random_mix", header(0x06, cmdline=b"x\xff\0", environ=b"=\0K=\xfe\0") + filler(rng, 400)


REPORT_KEYS = ["version", "processes", "files", "opened_files", "read_files", "written_files",
               "env_accessed", "start_time", "end_time", "tracer_mode", "events_dropped",
               "complete", "warnings", "pid", "parent_pid", "command", "env", "path", "read",
               "written", "read_threads", "written_threads"]


def report_dict():
    """libFuzzer dictionary: the report's keys as msgpack strings, and a few type markers."""
    def quoted(data):
        return '"' + "".join(chr(b) if 0x20 <= b < 0x7F and b not in b'"\\' else "\\x%02x" % b
                             for b in data) + '"'
    lines = ["# Written by make_corpus.py: msgpack tokens of roar's report (fuzz_report -dict=)."]
    lines += ["key_%s=%s" % (k, quoted(mp(k))) for k in REPORT_KEYS]
    markers = {"nil": b"\xc0", "false": b"\xc2", "true": b"\xc3", "bin8": b"\xc4", "str8": b"\xd9",
               "float32": b"\xca", "float64": b"\xcb", "uint32": b"\xce", "uint64": b"\xcf",
               "int64": b"\xd3", "array16": b"\xdc", "map16": b"\xde"}
    lines += ["type_%s=%s" % (k, quoted(v)) for k, v in markers.items()]
    return "\n".join(lines) + "\n"


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "fuzz_report.dict"), "w") as f:
        f.write(report_dict())
    for target, seeds in (("fuzz_report", report_seeds()), ("fuzz_notification", notification_seeds())):
        directory = os.path.join(out, target)
        os.makedirs(directory, exist_ok=True)
        for name in os.listdir(directory):
            os.remove(os.path.join(directory, name))
        count = 0
        for name, data in seeds:
            with open(os.path.join(directory, name), "wb") as f:
                f.write(data)
            count += 1
        print(f"{directory}: {count} seeds")


if __name__ == "__main__":
    main()
