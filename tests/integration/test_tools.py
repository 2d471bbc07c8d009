"""The user-facing tools: roar-seccomp-report prints a real report as JSON that agrees exactly with
roar's own msgpack decoding (paths that are not UTF-8 included) and as a table with R/W flags;
roar-seccomp-filter prints the filter generated from filters/syscall_table.cpp.

The binaries come from ROAR_SECCOMP_REPORT and ROAR_SECCOMP_FILTER, which ctest sets.
"""
import ctypes
import ctypes.util
import json
import os
import platform
import re
import subprocess

import msgpack

from roartest import REPORT_TOOL, python3, skip, trace, workdir, write

HERE = os.path.dirname(os.path.abspath(__file__))
SYSCALL_TABLE = os.path.join(HERE, "..", "..", "filters", "syscall_table.cpp")

# Names every version of the table traces; used when the table source is not at hand.
KNOWN_TRACED = ["read", "write", "pread64", "readv", "writev", "sendfile", "splice",
                "copy_file_range", "mmap", "close", "dup2", "dup3", "execve", "exit",
                "exit_group", "io_uring_setup", "io_submit", "mprotect", "pkey_mprotect",
                "ioctl:FICLONE", "ioctl:FICLONERANGE"]
# Their numbers on x86_64 are fixed by the kernel ABI.
X86_64_NUMBERS = {"read": 0, "write": 1, "close": 3, "mmap": 9, "execve": 59, "exit_group": 231,
                  "splice": 275, "io_uring_setup": 425}

SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_USER_NOTIF = 0x7FC00000
BPF_RET_K = 0x06

# Names chosen to exercise escaping: a byte that is not UTF-8, a newline, a backslash.
RW_NAMES = [b"plain.txt", b"bad\xff.txt", b"new\nline.txt", b"back\\slash.txt"]


# ----------------------------------------------------------------------------- helpers

def report_tool():
    if not REPORT_TOOL:
        skip("ROAR_SECCOMP_REPORT is not set: run the scenarios through ctest")
    return REPORT_TOOL


def filter_tool():
    path = os.environ.get("ROAR_SECCOMP_FILTER", "")
    if not path:
        skip("ROAR_SECCOMP_FILTER is not set: run the scenarios through ctest")
    return path


def run_tool(argv):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)


def run_ok(argv):
    proc = run_tool(argv)
    assert proc.returncode == 0, f"{argv}: exit {proc.returncode}; stderr: {proc.stderr!r}"
    assert proc.stderr == b"", proc.stderr
    return proc.stdout


def traced_report(tmp, out):
    """Traces a python program that reads and writes files with awkward names in tmp; returns the
    path of the msgpack report (in `out`, so that it is not one of the traced files)."""
    write(os.path.join(tmp, "input.txt"), b"in\n")
    write(os.path.join(tmp, "opened.txt"), b"never read\n")
    os.mkdir(os.path.join(tmp, "sub"))
    os.mkdir(os.path.join(tmp, "subdir2"))
    code = (
        "import os\n"
        f"for name in {RW_NAMES!r}:\n"
        "    with open(name, 'wb') as f: f.write(b'x')\n"
        "    with open(name, 'rb') as f: assert f.read() == b'x'\n"
        "with open('input.txt', 'rb') as f: f.read()\n"
        "with open('output.txt', 'wb') as f: f.write(b'out')\n"
        "os.close(os.open('opened.txt', os.O_RDONLY))\n"
        "with open('sub/in_sub.txt', 'wb') as f: f.write(b's')\n"
        "with open('subdir2/sibling.txt', 'wb') as f: f.write(b's')\n")
    report = os.path.join(out, "report.msgpack")
    run = trace([python3(), "-I", "-c", code], tmp, report=report)
    assert run.exit_code == 0, f"exit {run.exit_code}; stderr: {run.stderr}"
    return report


def decode(report_path):
    """The report as roar reads it."""
    with open(report_path, "rb") as f:
        return msgpack.unpackb(f.read(), raw=False)


def path_bytes(p):
    return p if isinstance(p, bytes) else p.encode()


def json_paths_to_msgpack(value):
    """A JSON path back to what msgpack decoding gives: str, or bytes for {"bytes_hex": ...}."""
    if isinstance(value, dict):
        assert set(value) == {"bytes_hex"}, value
        raw = bytes.fromhex(value["bytes_hex"])
        assert raw.hex() == value["bytes_hex"], "bytes_hex is lowercase hex"
        return raw
    assert isinstance(value, str), value
    return value


def json_to_msgpack_shape(doc):
    """Maps every path of the tool's JSON back to the msgpack decoding's types."""
    for f in doc.get("files", []):
        f["path"] = json_paths_to_msgpack(f["path"])
    for key in ("opened_files", "read_files", "written_files"):
        if key in doc:
            doc[key] = [json_paths_to_msgpack(p) for p in doc[key]]
    return doc


def printable(path):
    """The table's escaping for ASCII and stray bytes (all the test names need)."""
    out = []
    for b in path_bytes(path):
        if b == 0x5C:
            out.append("\\\\")
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        else:
            out.append(f"\\x{b:02x}")
    return "".join(out)


def table_line(f):
    flags = ("R" if f["read"] else "-") + ("W" if f["written"] else "-")
    line = f"  {flags}  {printable(f['path'])}"
    if f.get("read_threads"):
        line += "  r=" + ",".join(map(str, f["read_threads"]))
    if f.get("written_threads"):
        line += "  w=" + ",".join(map(str, f["written_threads"]))
    return line


def under(report, directory):
    prefix = directory.encode() + b"/"
    return [f for f in report["files"] if path_bytes(f["path"]).startswith(prefix)]


def check_one_line_error(proc, what):
    assert proc.returncode == 1, f"{what}: exit {proc.returncode}; stderr {proc.stderr!r}"
    assert proc.stdout == b"", f"{what}: nothing on stdout, got {proc.stdout[:200]!r}"
    err = proc.stderr.decode(errors="replace")
    assert err.startswith("roar-seccomp-report: "), f"{what}: {err!r}"
    assert err.endswith("\n") and err.count("\n") == 1, f"{what}: one line, got {err!r}"


def table_source_names():
    """Row names of filters/syscall_table.cpp, in order; None when the source is not at hand."""
    if not os.path.exists(SYSCALL_TABLE):
        return None
    with open(SYSCALL_TABLE, encoding="utf-8") as f:
        names = re.findall(r'^\s*\{"(\w+)",\s*Effect::', f.read(), flags=re.M)
    assert names, f"no rows found in {SYSCALL_TABLE}"
    return names


def filter_table(tool):
    """roar-seccomp-filter --table as {name: {column: cell}}, and the ABI column names."""
    lines = [ln for ln in run_ok([tool, "--table"]).decode().splitlines() if not ln.startswith("#")]
    header = lines[0].split()
    assert header[:3] == ["NAME", "EFFECT", "ARGS"], header
    rows = {}
    for line in lines[1:]:
        cells = line.split()
        assert len(cells) == len(header), line
        row = dict(zip(header, cells))
        if cells[0] in rows:
            # One call may have a row per argument layout (ia32's old mmap): each ABI in one.
            seen = rows[cells[0]]
            for abi in header[3:]:
                assert seen[abi] == "-" or row[abi] == "-", f"{cells[0]} twice for {abi}"
                seen[abi] = row[abi] if seen[abi] == "-" else seen[abi]
        else:
            rows[cells[0]] = row
    # A row for one ioctl request is named "ioctl:REQUEST".
    return rows, header[3:], [ln.split()[0].split(":")[0] for ln in lines[1:]]


def libseccomp_x86_64_number(name):
    """libseccomp's own number for `name` on x86_64 (None if it does not exist there), or skips."""
    lib = ctypes.util.find_library("seccomp")
    if lib is None:
        skip("libseccomp.so is not loadable from Python here")
    seccomp = ctypes.CDLL(lib)
    seccomp.seccomp_syscall_resolve_name_arch.argtypes = [ctypes.c_uint32, ctypes.c_char_p]
    seccomp.seccomp_syscall_resolve_name_arch.restype = ctypes.c_int
    nr = seccomp.seccomp_syscall_resolve_name_arch(0xC000003E, name.encode())  # SCMP_ARCH_X86_64
    return nr if nr >= 0 else None


# ----------------------------------------------------------------------------- report tool

def test_report_json_agrees_with_msgpack_decoding():
    tool = report_tool()
    with workdir() as tmp, workdir() as out:
        report = traced_report(tmp, out)
        expected = decode(report)
        text = run_ok([tool, "--json", report])
        doc = json.loads(text)
        # The invalid-UTF-8 name really is bin in the report and {"bytes_hex"} in the JSON.
        bad = os.path.join(tmp, "bad").encode() + b"\xff.txt"
        assert bad in [f["path"] for f in expected["files"]], "the tracer writes it as bin"
        assert {"bytes_hex": bad.hex()} in [f["path"] for f in doc["files"]]
        assert os.path.join(tmp, "new\nline.txt") in [f["path"] for f in doc["files"]]
        assert isinstance(doc["start_time"], float) and isinstance(doc["end_time"], float)
        assert json_to_msgpack_shape(doc) == expected


def test_report_json_filter_prefix_keeps_whole_components():
    tool = report_tool()
    with workdir() as tmp, workdir() as out:
        report = traced_report(tmp, out)
        expected = decode(report)
        sub = os.path.join(tmp, "sub")
        for prefix in (sub, sub + "/", sub + "//"):
            doc = json_to_msgpack_shape(json.loads(run_ok([tool, "--json", "--filter-prefix",
                                                           prefix, report])))
            assert [f["path"] for f in doc["files"]] == [os.path.join(sub, "in_sub.txt")], prefix
            assert doc["opened_files"] == [os.path.join(sub, "in_sub.txt")]
            assert doc["written_files"] == [os.path.join(sub, "in_sub.txt")]
            assert "read_files" not in doc, "omitted when empty, as in the report"
            assert doc["processes"] == expected["processes"], "processes are all kept"
        everything = json_to_msgpack_shape(
            json.loads(run_ok([tool, "--json", "--filter-prefix", "/", report])))
        assert everything == expected
        doc = json.loads(run_ok([tool, "--json", "--filter-prefix", tmp + "/nowhere", report]))
        assert doc["files"] == [] and "opened_files" not in doc


def test_report_table_flags_paths_and_threads():
    tool = report_tool()
    with workdir() as tmp, workdir() as out:
        report = traced_report(tmp, out)
        expected = decode(report)
        table = run_ok([tool, "--table", "--filter-prefix", tmp, report]).decode()
        assert run_ok([tool, "--filter-prefix", tmp, report]).decode() == table, "table is the default"
        lines = table.splitlines()
        # Exactly one line per file under tmp, in report order, flags then escaped path, threads.
        file_lines = [ln for ln in lines if re.match(r"  [R-][W-]  /", ln)]
        assert file_lines == [table_line(f) for f in under(expected, tmp)], table
        flags = {ln.split("  ")[2][len(tmp) + 1:]: ln.split("  ")[1] for ln in file_lines}
        assert flags == {
            "plain.txt": "RW", "bad\\xff.txt": "RW", "new\\x0aline.txt": "RW",
            "back\\\\slash.txt": "RW", "input.txt": "R-", "output.txt": "-W", "opened.txt": "--",
            "sub/in_sub.txt": "-W", "subdir2/sibling.txt": "-W"}, table
        assert "\n" not in "".join(file_lines) and "\xff" not in table
        # Header and processes.
        assert "tracer_mode:    seccomp" in lines and "version:        1" in lines
        iso = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"
        assert any(re.fullmatch(r"start: +" + iso, ln) for ln in lines), table
        assert any(re.fullmatch(r"end: +" + iso, ln) for ln in lines), table
        assert any(re.fullmatch(r"duration: +\d+\.\d{3} s", ln) for ln in lines), table
        assert "events_dropped: 0" in lines
        assert f"processes ({len(expected['processes'])}):" in lines
        root = next(p for p in expected["processes"] if p["parent_pid"] is None)
        root_line = next(ln for ln in lines if ln.split()[:1] == [str(root["pid"])])
        assert root_line.split()[1:3] == ["-", str(len(root["env"]))], root_line
        assert root_line.endswith("  " + printable(" ".join(root["command"]))), root_line


def test_report_unreadable_or_invalid_file_is_exit_1():
    tool = report_tool()
    with workdir() as tmp, workdir() as out:
        report = traced_report(tmp, out)
        with open(report, "rb") as f:
            good = f.read()
        cases = {
            "truncated.msgpack": good[: len(good) // 2],
            "empty.msgpack": b"",
            "not-a-map.msgpack": b"\x05",
            "text.msgpack": b"this is not msgpack at all\n",
        }
        for name, data in cases.items():
            path = write(os.path.join(out, name), data)
            for fmt in ("--json", "--table"):
                proc = run_tool([tool, fmt, path])
                check_one_line_error(proc, f"{name} {fmt}")
                assert path in proc.stderr.decode(), proc.stderr
        missing = run_tool([tool, os.path.join(out, "missing.msgpack")])
        check_one_line_error(missing, "missing file")
        assert "No such file or directory" in missing.stderr.decode()
        check_one_line_error(run_tool([tool, out]), "a directory")
        # A name with a newline still gives a one-line message.
        odd = write(os.path.join(out, "odd\nname.msgpack"), b"")
        check_one_line_error(run_tool([tool, odd]), "a name with a newline")


def test_report_wrong_value_types_are_errors_not_crashes():
    tool = report_tool()
    with workdir() as out:
        cases = {
            "processes-int": {"version": 1, "processes": 5},
            "files-str": {"version": 1, "files": "abc"},
            "command-int": {"version": 1, "processes": [
                {"pid": 1, "parent_pid": None, "command": 7, "env": {}}]},
            "threads-str": {"version": 1, "files": [
                {"path": "/a", "read": True, "written": False, "read_threads": "x"}]},
            "path-int": {"version": 1, "files": [{"path": 5, "read": True, "written": False}]},
        }
        for name, obj in cases.items():
            path = write(os.path.join(out, name), msgpack.packb(obj, use_bin_type=True))
            check_one_line_error(run_tool([tool, "--json", path]), name)


def test_report_usage_errors_are_exit_2():
    tool = report_tool()
    with workdir() as tmp, workdir() as out:
        report = traced_report(tmp, out)
        for argv in ([tool], [tool, "--json", "--table", report], [tool, "--bogus", report],
                     [tool, "--filter-prefix"], [tool, report, "extra"]):
            proc = run_tool(argv)
            assert proc.returncode == 2, f"{argv}: exit {proc.returncode}; {proc.stderr!r}"
            assert proc.stdout == b""
            assert proc.stderr.decode().startswith("roar-seccomp-report: "), proc.stderr
        help_text = run_ok([tool, "--help"]).decode()
        for word in ("--json", "--table", "--filter-prefix", "bytes_hex", "\\xNN"):
            assert word in help_text, word
        assert run_ok([tool, "--version"]).decode().startswith("roar-seccomp-report ")


# ----------------------------------------------------------------------------- filter tool

def test_filter_table_lists_every_traced_name():
    tool = filter_tool()
    rows, abis, order = filter_table(tool)
    names = table_source_names()
    if names is not None:
        assert order == names, (
            "one line per row of filters/syscall_table.cpp, in table order (is the build stale?): "
            f"missing {sorted(set(names) - set(order))}, extra {sorted(set(order) - set(names))}")
    assert set(KNOWN_TRACED) <= set(rows), sorted(set(KNOWN_TRACED) - set(rows))
    for row in rows.values():
        for abi in abis:
            assert row[abi] == "-" or row[abi].isdigit(), row
    assert run_ok([tool]) == run_ok([tool, "--table"]), "--table is the default"
    if platform.machine() != "x86_64":
        return
    assert abis == ["x86_64", "ia32", "x32"], abis
    for name, nr in X86_64_NUMBERS.items():
        assert rows[name]["x86_64"] == str(nr), rows[name]
    assert rows["read"]["ia32"] == "3" and rows["mmap"]["ia32"] == "90", "ia32's old mmap"
    assert {"ioctl:FICLONE", "ioctl:FICLONERANGE"} <= set(rows), "reflink clones are traced"
    assert "ioctl" not in rows, "only the named ioctl requests are traced"
    for name, row in rows.items():
        nr = libseccomp_x86_64_number(name.split(":")[0])
        # An ioctl request as 32-bit programs spell it (the kernel's IOC32 names) is ia32's only.
        expected = "-" if nr is None or "_IOC32_" in name else str(nr)
        assert row["x86_64"] == expected, (name, nr, row)


def test_filter_pfc_listing_shows_user_notif():
    tool = filter_tool()
    listing = run_ok([tool, "--pfc"]).decode()
    assert "USER_NOTIF" in listing, listing[:2000]
    assert "TRACE(" not in listing, "the TRACE marker is shown as what it becomes: USER_NOTIF"
    rows, _, _ = filter_table(tool)
    for name, row in rows.items():
        if platform.machine() == "x86_64" and row["x86_64"] != "-":
            assert f'"{name.split(":")[0]}"' in listing, f"{name} is not in the listing"


def test_filter_bpf_program():
    tool = filter_tool()
    lines = run_ok([tool, "--bpf"]).decode().splitlines()
    count = re.match(r"# (\d+) instructions", lines[0])
    assert count, lines[0]
    insns = [tuple(int(x, 16) for x in ln.split()) for ln in lines[1:]]
    assert len(insns) == int(count.group(1)) > 0
    assert all(re.fullmatch(r"0x[0-9a-f]{4} 0x[0-9a-f]{2} 0x[0-9a-f]{2} 0x[0-9a-f]{8}", ln)
               for ln in lines[1:])
    assert insns[0] == (0x20, 0, 0, 4), "the program starts by loading seccomp_data.arch"
    returns = {k for code, _, _, k in insns if code == BPF_RET_K}
    assert returns == {SECCOMP_RET_ALLOW, SECCOMP_RET_USER_NOTIF}, [hex(k) for k in returns]
    bad = run_tool([tool, "--pfc", "--bpf"])
    assert bad.returncode == 2 and bad.stdout == b"", bad
    assert bad.stderr.decode().startswith("roar-seccomp-filter: ")
