"""Helpers for integration scenarios: run a command under the built tracer, decode the report the
way roar does (msgpack.unpackb(raw=False)), check its invariants, and compare exact file sets."""
import contextlib
import errno
import os
import re
import shutil
import signal
import subprocess
import tempfile

import msgpack

TRACER = os.environ.get("ROAR_SECCOMP", "")
REPORT_TOOL = os.environ.get("ROAR_SECCOMP_REPORT", "")
FIXTURES = os.environ.get("ROAR_FIXTURES", "")
SANITIZED = bool(os.environ.get("ROAR_SANITIZE"))


class Skip(Exception):
    """Raised to skip a scenario; the message says why."""


def skip(reason):
    raise Skip(reason)


def unprivileged():
    return os.geteuid() != 0


def usable_prefix(prefix, what):
    """Skips unless `PREFIX... true` works here; returns `prefix`."""
    try:
        probe = subprocess.run([*prefix, "true"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, timeout=60)
    except OSError as e:
        skip(f"{what} cannot start here: {e}")
    if probe.returncode != 0:
        skip(f"{what} is not permitted here ({' '.join(prefix)} true exits "
             f"{probe.returncode}: {probe.stderr.decode(errors='replace').strip()})")
    return prefix


def permission_checked():
    """A command prefix under which file permissions bind: nothing for an ordinary user; for
    root, setpriv removes CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the bounding set, so
    that the programs it starts (the tracer and its tree) are refused what the modes refuse, as
    root in a container without those capabilities is."""
    if unprivileged():
        return []
    return [need_tool("setpriv"), "--bounding-set=-dac_override,-dac_read_search", "--"]


def need_tool(name):
    path = shutil.which(name)
    if path is None:
        skip(f"{name} is not installed")
    return path


def machine_wide(*resources):
    """Marks a scenario that changes state the whole machine shares (a sysctl such as
    ns_last_pid, a device's mode, loop devices): CTest never runs two scenarios that name the
    same resource at once (RESOURCE_LOCK, from run.py --list)."""
    def mark(func):
        func.resource_locks = tuple(getattr(func, "resource_locks", ())) + resources
        return func
    return mark


def scratch_fs(*kinds):
    """Marks a scenario that needs loop-mounted file systems of these kinds ("xfs", "btrfs"):
    the runner makes them as root (scratch_fs.py) and the scenario finds a directory of its own
    on each with scratch_dir(kind)."""
    def mark(func):
        func.scratch_fs = kinds
        return machine_wide("loop_devices")(func)
    return mark


def scratch_dir(kind):
    """The scenario's directory on the scratch `kind` file system, or a skip saying why there is
    none."""
    path = os.environ.get(f"ROAR_SCRATCH_{kind.upper()}")
    if not path:
        skip(os.environ.get(f"ROAR_SCRATCH_{kind.upper()}_SKIP",
                            f"no scratch {kind} file system: run the scenario through run.py"))
    return path


def world_usable_device(path):
    """Marks a scenario that needs device `path` usable by the unprivileged user: when run.py
    runs it as nobody from root, it makes the device mode 0666 for the scenario's duration
    (Debian's /dev/fuse is 0666; some machines have 0600) and restores it afterwards."""
    def mark(func):
        func.world_usable_devices = tuple(getattr(func, "world_usable_devices", ())) + (path,)
        return machine_wide("device_mode:" + path)(func)
    return mark


def fixture(name):
    """Path of a test fixture program built in tests/fixtures."""
    path = os.path.join(FIXTURES, name)
    if not os.path.exists(path):
        skip(f"fixture {name} was not built (see tests/fixtures/CMakeLists.txt)")
    return path


def fx_program(program, *args):
    """argv of the fixture program `program` (built from tests/fixtures/PROGRAM.c): a scenario
    of that program and the scenario's arguments."""
    return [fixture(program), *args]


def fx(*args):
    """argv of the 64-bit file I/O scenario program (fx_io, whose ia32 build fx32 runs)."""
    return fx_program("fx_io", *args)


def fx32(*args):
    """argv of the 32-bit (ia32) scenario program; skips when it cannot run here."""
    path = os.path.join(FIXTURES, "fx_io32")
    if not os.path.exists(path):
        skip("fx_io32 was not built: the C compiler cannot build -m32 programs here "
             "(install gcc-multilib and reconfigure)")
    try:
        probe = subprocess.run([path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError as e:
        if e.errno == errno.ENOEXEC:
            skip("this kernel cannot run ia32 programs (exec of fx_io32: Exec format error; "
                 "IA32 emulation is disabled or unsupported)")
        raise
    assert probe.returncode == 2, f"fx_io32 without a scenario should print usage, got {probe}"
    return [path, *args]


@contextlib.contextmanager
def workdir():
    """A private, canonical temporary directory that the scenario's files live in."""
    path = os.path.realpath(tempfile.mkdtemp(prefix="roar-it-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _path_str(p):
    return os.fsdecode(p) if isinstance(p, bytes) else p


class Run:
    """The outcome of one traced command."""

    def __init__(self, proc, report, raw, tmp):
        self.exit_code = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr.decode(errors="replace") if proc.stderr is not None else ""
        self.report = report
        self.raw = raw
        self.tmp = tmp

    def _under(self, paths, under):
        under = under or self.tmp
        prefix = under.rstrip("/") + "/"
        return {p[len(prefix):] for p in map(_path_str, paths) if p.startswith(prefix)}

    def files(self):
        return {_path_str(f["path"]): f for f in self.report.get("files", [])}

    def reads(self, under=None):
        """R: read_files plus every files record with read set (roar's tests compute it so)."""
        paths = list(self.report.get("read_files", []))
        paths += [f["path"] for f in self.report.get("files", []) if f.get("read")]
        return self._under(paths, under)

    def writes(self, under=None):
        paths = list(self.report.get("written_files", []))
        paths += [f["path"] for f in self.report.get("files", []) if f.get("written")]
        return self._under(paths, under)

    def opened(self, under=None):
        return self._under([f["path"] for f in self.report.get("files", [])], under)

    def processes(self):
        return self.report["processes"]

    def root(self):
        roots = [p for p in self.report["processes"] if p["parent_pid"] is None]
        assert len(roots) == 1, roots
        return roots[0]

    def warnings(self):
        return self.report.get("warnings", [])


def check_invariants(report, unique_pids=True):
    """What every report must satisfy (README "The report", roar's comprehensive_report_invariants).
    `unique_pids`: the scenario reuses no pid, so each appears once."""
    assert isinstance(report, dict)
    assert report["version"] == 1
    assert report["tracer_mode"] == "seccomp"
    assert report["events_dropped"] == 0
    assert isinstance(report["start_time"], float) and report["start_time"] > 0
    assert report["end_time"] >= report["start_time"]
    pids = [p["pid"] for p in report["processes"]]
    assert pids == sorted(pids), "processes are sorted by pid"
    assert all(p > 0 for p in pids)
    if unique_pids:
        assert len(set(pids)) == len(pids), f"a pid appears twice (no pid was reused): {pids}"
    assert sum(1 for p in report["processes"] if p["parent_pid"] is None) == 1
    for p in report["processes"]:
        assert set(p) == {"pid", "parent_pid", "command", "env"}, p.keys()
        assert all(isinstance(a, str) for a in p["command"])
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in p["env"].items())
    files = report["files"]
    keys = [os.fsencode(f["path"]) if isinstance(f["path"], str) else f["path"] for f in files]
    assert keys == sorted(keys), "files are sorted bytewise"
    assert len(set(keys)) == len(keys), "one record per path"
    for f in files:
        assert set(f) <= {"path", "read", "written", "read_threads", "written_threads"}, f
        assert f["read"] == bool(f.get("read_threads")), f
        assert f["written"] == bool(f.get("written_threads")), f
        assert isinstance(f["path"], bytes) or f["path"].startswith("/"), f
    lists = {
        "opened_files": [f["path"] for f in files],
        "read_files": [f["path"] for f in files if f["read"]],
        "written_files": [f["path"] for f in files if f["written"]],
    }
    for key, expected in lists.items():
        assert report.get(key, []) == expected, key


def trace(cmd, cwd, *, tracer_args=(), stdin=None, stdout=subprocess.PIPE, env=None,
          timeout=240, report=None, expect_report=True, separator=True, send_signal=None,
          unique_pids=True, prefix=()):
    """Runs `cmd` under the tracer in `cwd` and returns a Run with the decoded report (None when
    no report was written and expect_report is false). With `prefix` the tracer is started
    through it (a sandbox, a namespace, a fixture that installs a filter and execs):
    `PREFIX... TRACER [ARGS] REPORT -- CMD...`."""
    if not TRACER:
        skip("ROAR_SECCOMP is not set: run the scenarios through ctest")
    if os.environ.get("ROAR_TEST_FAST_PATH") == "off":
        # The suite's fastoff variant: every call notified, and three threads receiving them,
        # more than this machine's CPUs, so that their interleavings vary.
        tracer_args = ("--fast-path", "off", "--threads", "3", *tracer_args)
    report_dir = tempfile.mkdtemp(prefix="roar-report-")
    report_path = report or os.path.join(report_dir, "report.msgpack")
    argv = [*prefix, TRACER, *tracer_args, report_path] + (["--"] if separator else []) + list(cmd)
    try:
        proc = subprocess.Popen(argv, cwd=cwd, stdin=stdin, stdout=stdout,
                                stderr=subprocess.PIPE, env=env)
        if send_signal is not None:
            send_signal(proc)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()  # its PDEATHSIG ends the tree's root
            proc.communicate()
            raise AssertionError(f"the traced run did not end within {timeout} s: it hangs")
        proc.stdout, proc.stderr = out, err
        raw = None
        decoded = None
        if os.path.exists(report_path):
            with open(report_path, "rb") as f:
                raw = f.read()
            decoded = msgpack.unpackb(raw, raw=False)
            check_invariants(decoded, unique_pids)
        elif expect_report:
            raise AssertionError(f"no report; argv {argv}; exit {proc.returncode}; "
                                 f"stderr: {err!r}")
        return Run(proc, decoded, raw, cwd)
    finally:
        shutil.rmtree(report_dir, ignore_errors=True)



def trace_under(prefix, cmd, cwd, **options):
    """trace() with the tracer started through `prefix`."""
    return trace(cmd, cwd, prefix=prefix, **options)

def assert_files(run, reads, writes, opened_only=None, under=None):
    """Exact read and written sets (relative to the scenario's directory)."""
    got_r, got_w = run.reads(under), run.writes(under)
    assert got_r == set(reads), f"read: expected {sorted(reads)}, got {sorted(got_r)}\n{run.stderr}"
    assert got_w == set(writes), f"written: expected {sorted(writes)}, got {sorted(got_w)}\n{run.stderr}"
    if opened_only is not None:
        got_o = run.opened(under) - got_r - got_w
        assert got_o == set(opened_only), f"opened only: expected {sorted(opened_only)}, got {sorted(got_o)}"


def write(path, data=b"data\n"):
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    return path


def python3():
    """The Debian python (python3-msgpack lives there); scenarios use it as a traced program."""
    return "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else need_tool("python3")


def py(code):
    """argv of the Debian python running `code` in isolated mode (no cwd on sys.path)."""
    return [python3(), "-I", "-c", code]


def ok(run):
    """The command exited 0."""
    assert run.exit_code == 0, f"exit {run.exit_code}; stderr: {run.stderr}"


def tracer_silent(run):
    """No `roar-seccomp:` line: no failed RECV/SEND/ID_VALID, no failed attribution."""
    lines = [line for line in run.stderr.splitlines() if line.startswith("roar-seccomp:")]
    assert not lines, f"the tracer reported problems: {lines}"


def no_kernel_decorations(run):
    """No path in the report is an O_TMPFILE placeholder ("/dir/#12345") or carries the
    " (deleted)" suffix /proc/PID/fd shows for unlinked files (README "The report")."""
    for f in run.report["files"]:
        path = os.fsdecode(f["path"])
        assert not re.search(r"/#\d+( \(deleted\))?$", path), path
        assert "(deleted)" not in path, path


def record(run, directory, name):
    """The report's file record of directory/name."""
    files = run.files()
    path = os.path.join(directory, name)
    assert path in files, f"{path} is not in the report: {sorted(files)}"
    return files[path]


def threads_of(run, directory, name):
    """Sorted read_threads and written_threads of directory/name."""
    r = record(run, directory, name)
    return sorted(r.get("read_threads", [])), sorted(r.get("written_threads", []))


def summary(run):
    """pid, parent and argv of every process, for assertion messages (env left out)."""
    return [(p["pid"], p["parent_pid"], p["command"]) for p in run.processes()]


def process_with(run, command):
    """The one process of the report whose argv is `command`."""
    found = [p for p in run.processes() if p["command"] == command]
    assert len(found) == 1, f"one process running {command}: {summary(run)}"
    return found[0]


def by_pid(run):
    """The report's processes by pid, each pid once, every parent but the root's among them."""
    procs = run.processes()
    pids = [p["pid"] for p in procs]
    assert len(pids) == len(set(pids)), f"a pid appears twice: {summary(run)}"
    # Every process of the tree appears, so every parent but the root's is in the report too.
    for p in procs:
        assert p["parent_pid"] is None or p["parent_pid"] in pids, \
            f"the parent of {p['pid']} is not in the report: {summary(run)}"
    return {p["pid"]: p for p in procs}


def warnings_text(run):
    return "\n".join(run.warnings())


def cmdline_of(pid):
    """/proc/PID/cmdline (test side, untraced), or None when the process is gone."""
    try:
        return read_bytes(f"/proc/{pid}/cmdline")
    except OSError:
        return None


def is_static_elf(path):
    """True when the ELF file at `path` has no program interpreter (PT_INTERP)."""
    with open(path, "rb") as f:
        head = f.read(64)
        if head[:4] != b"\x7fELF" or head[4] != 2:  # ELFCLASS64 only (x86-64 host)
            return False
        little = head[5] == 1
        order = "little" if little else "big"
        phoff = int.from_bytes(head[32:40], order)
        phentsize = int.from_bytes(head[54:56], order)
        phnum = int.from_bytes(head[56:58], order)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    for i in range(phnum):
        p_type = int.from_bytes(table[i * phentsize:i * phentsize + 4], order)
        if p_type == 3:  # PT_INTERP
            return False
    return True


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def kill_after_start(sig, delay=0.5):
    """A send_signal hook for trace(): delivers `sig` to the tracer once the command runs."""
    import time

    def hook(proc):
        time.sleep(delay)
        proc.send_signal(sig)
    return hook


__all__ = ["Skip", "skip", "trace", "workdir", "fixture", "assert_files", "write", "python3",
           "need_tool", "unprivileged", "kill_after_start", "signal", "SANITIZED"]
