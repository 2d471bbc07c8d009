"""Bad input (README "Usage" exit statuses, "The report": written in every outcome; "Failure modes": bad input): no command,
an empty command, a directory or a non-executable file as the command, a report path in a missing
or read-only directory or naming a directory, a report path the command writes itself, and very
long argument lists (100,000 arguments, one argument of 100 KiB, and one too large for exec(2)).
Each gives a clear one-line message prefixed `roar-seccomp:`, the documented exit status, and
loses nothing: the tracer does not run the command when it cannot write the report (125), and
otherwise writes a report that records the command.

Exit statuses: 125 the tracer failed before the command could run (bad arguments, report path
not writable); 126 found but not executable (a directory, no execute permission, E2BIG);
127 not found (the empty name, like `env ''` and `timeout 1 ''`).
"""
import errno
import os
import resource
import shutil
import stat
import subprocess
import tempfile

import msgpack

import roartest
from roartest import trace, workdir, write

MARKER_SCRIPT = "echo ran > marker"


# ----------------------------------------------------------------------------- local helpers

def tracer():
    if not roartest.TRACER:
        roartest.skip("ROAR_SECCOMP is not set: run the scenarios through ctest")
    return roartest.TRACER


def run_tracer(args, cwd, env=None, timeout=240, prefix=()):
    """Runs the tracer with exactly `args` after its own name (through `prefix`, if any);
    stderr is decoded."""
    proc = subprocess.run([*prefix, tracer(), *args], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    proc.stderr = proc.stderr.decode(errors="replace")
    return proc


def one_message(stderr, *needles):
    """The tracer's stderr is one `roar-seccomp:` error line (CLI usage errors add one "Run with
    --help" hint) that contains every needle."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines and lines[0].startswith("roar-seccomp:"), f"no roar-seccomp: message: {stderr!r}"
    extra = [line for line in lines[1:] if not line.startswith("Run with --help")]
    assert not extra, f"more than one message line: {stderr!r}"
    for needle in needles:
        assert needle in lines[0], f"{needle!r} is not in the message {lines[0]!r}"


def decode(path):
    with open(path, "rb") as f:
        report = msgpack.unpackb(f.read(), raw=False)
    roartest.check_invariants(report)
    return report


def root_of(report):
    roots = [p for p in report["processes"] if p["parent_pid"] is None]
    assert len(roots) == 1, roots
    return roots[0]


def exec_limit():
    """The bytes exec(2) accepts for filename, argv and envp strings plus their pointers
    (fs/exec.c bprm_stack_limits: a quarter of RLIMIT_STACK, at most 3/4 of _STK_LIM = 6 MiB,
    at least ARG_MAX = 128 KiB)."""
    soft = resource.getrlimit(resource.RLIMIT_STACK)[0]
    limit = 6 * 1024 * 1024
    if soft != resource.RLIM_INFINITY:
        limit = min(limit, soft // 4)
    return max(limit, 128 * 1024)


def exec_size(filename, argv, env):
    """What an execve(filename, argv, env) costs against exec_limit()."""
    strings = len(os.fsencode(filename)) + 1 + sum(len(os.fsencode(a)) + 1 for a in argv)
    strings += sum(len(os.fsencode(k)) + len(os.fsencode(v)) + 2 for k, v in env.items())
    return strings + 8 * (len(argv) + len(env))


# ----------------------------------------------------------------------------- no command

def test_report_without_a_command_exits_125_and_writes_nothing():
    """`roar-seccomp r.msgpack` and `roar-seccomp r.msgpack --`: a usage error (125), no report."""
    for args in (["r.msgpack"], ["r.msgpack", "--"]):
        with workdir() as tmp:
            proc = run_tracer(args, tmp)
            assert proc.returncode == 125, (args, proc.returncode, proc.stderr)
            one_message(proc.stderr, "command")
            assert proc.stdout == b""
            assert os.listdir(tmp) == [], f"{args}: files left behind: {os.listdir(tmp)}"


def test_no_arguments_at_all_exits_125():
    with workdir() as tmp:
        proc = run_tracer([], tmp)
        assert proc.returncode == 125, (proc.returncode, proc.stderr)
        one_message(proc.stderr, "REPORT")
        assert os.listdir(tmp) == []


def test_empty_command_exits_127_with_a_report():
    """`roar-seccomp r.msgpack ''`: the empty name is not found (127, like `env ''`); the report
    is still written and records the command as given."""
    with workdir() as tmp:
        proc = run_tracer(["r.msgpack", ""], tmp)
        assert proc.returncode == 127, (proc.returncode, proc.stderr)
        one_message(proc.stderr, "not found")
        report = decode(os.path.join(tmp, "r.msgpack"))
        assert root_of(report)["command"] == [""]
        assert [p["command"] for p in report["processes"]] == [[""]]
        assert sorted(os.listdir(tmp)) == ["r.msgpack"]


# ----------------------------------------------------------------------------- not executable

def test_directory_as_command_exits_126_with_a_report():
    with workdir() as tmp:
        adir = os.path.join(tmp, "adir")
        os.mkdir(adir)
        run = trace([adir], tmp)
        assert run.exit_code == 126, (run.exit_code, run.stderr)
        one_message(run.stderr, adir, "directory")
        assert [p["command"] for p in run.processes()] == [[adir]]
        assert run.writes() == set() and run.reads() == set()


def test_directory_found_on_path_as_command_exits_126():
    """A directory named like the command in the only PATH entry: found, but not executable."""
    with workdir() as tmp:
        bindir = os.path.join(tmp, "bin")
        os.makedirs(os.path.join(bindir, "notaprogram"))
        env = dict(os.environ, PATH=bindir)
        run = trace(["notaprogram"], tmp, env=env)
        assert run.exit_code == 126, (run.exit_code, run.stderr)
        one_message(run.stderr, "notaprogram")
        assert [p["command"] for p in run.processes()] == [["notaprogram"]]


def test_non_executable_file_as_command_exits_126_with_a_report():
    with workdir() as tmp:
        script = write(os.path.join(tmp, "script.sh"), "#!/bin/sh\n" + MARKER_SCRIPT + "\n")
        os.chmod(script, 0o644)
        run = trace([script, "arg"], tmp)
        assert run.exit_code == 126, (run.exit_code, run.stderr)
        one_message(run.stderr, script, "chmod")
        assert not os.path.exists(os.path.join(tmp, "marker")), "the file was run"
        assert [p["command"] for p in run.processes()] == [[script, "arg"]]
        assert run.writes() == set() and run.reads() == set()


# ----------------------------------------------------------------------------- report path

def test_report_in_a_missing_directory_exits_125_without_running_the_command():
    with workdir() as tmp:
        report = os.path.join(tmp, "missing", "r.msgpack")
        proc = run_tracer([report, "sh", "-c", MARKER_SCRIPT], tmp)
        assert proc.returncode == 125, (proc.returncode, proc.stderr)
        one_message(proc.stderr, os.path.join(tmp, "missing"))
        assert os.listdir(tmp) == [], f"the command ran or files were left: {os.listdir(tmp)}"


def test_report_path_that_is_a_directory_exits_125_without_running_the_command():
    with workdir() as tmp:
        report = os.path.join(tmp, "adir")
        os.mkdir(report)
        proc = run_tracer([report, "sh", "-c", MARKER_SCRIPT], tmp)
        assert proc.returncode == 125, (proc.returncode, proc.stderr)
        one_message(proc.stderr, report)
        assert os.listdir(tmp) == ["adir"] and os.listdir(report) == [], \
            f"the command ran or files were left: {os.listdir(tmp)}"


def test_report_in_a_read_only_directory_exits_125_without_running_the_command():
    """A mode 0555 directory refuses the report (root runs the tracer without the capability
    that overrides modes, as in a container that drops it)."""
    with workdir() as tmp:
        ro = os.path.join(tmp, "ro")
        os.mkdir(ro)
        os.chmod(ro, 0o555)
        try:
            proc = run_tracer([os.path.join(ro, "r.msgpack"), "sh", "-c", MARKER_SCRIPT], tmp,
                              prefix=roartest.permission_checked())
            assert proc.returncode == 125, (proc.returncode, proc.stderr)
            one_message(proc.stderr, ro)
            assert os.listdir(ro) == [], os.listdir(ro)
            assert sorted(os.listdir(tmp)) == ["ro"], f"the command ran: {os.listdir(tmp)}"
        finally:
            os.chmod(ro, stat.S_IRWXU)


def test_report_path_written_by_the_command_keeps_the_commands_file():
    """The command writes REPORT itself: its file stays, the report goes to REPORT.roar-seccomp
    and an error says so; the exit status is still the command's."""
    with workdir() as tmp:
        report = os.path.join(tmp, "r.msgpack")
        proc = run_tracer([report, "sh", "-c", 'echo mine > "$1"; echo in > other', "sh", report],
                          tmp)
        assert proc.returncode == 0, (proc.returncode, proc.stderr)
        with open(report, "rb") as f:
            assert f.read() == b"mine\n", "the command's file was replaced"
        moved = report + ".roar-seccomp"
        one_message(proc.stderr, moved)
        decoded = decode(moved)
        written = {f["path"] for f in decoded["files"] if f["written"]}
        assert written == {report, os.path.join(tmp, "other")}, sorted(written)
        assert sorted(os.listdir(tmp)) == ["other", "r.msgpack", "r.msgpack.roar-seccomp"]


def test_report_path_and_its_fallback_both_written_by_the_command_lose_nothing():
    """The command writes REPORT and REPORT.roar-seccomp: both of its files stay as it wrote
    them, and the report goes to another new file next to them, which the error names."""
    with workdir() as tmp:
        report = os.path.join(tmp, "r.msgpack")
        fallback = report + ".roar-seccomp"
        script = 'echo mine > "$1"; echo mine2 > "$2"'
        proc = run_tracer([report, "sh", "-c", script, "sh", report, fallback], tmp)
        assert proc.returncode == 0, (proc.returncode, proc.stderr)
        with open(report, "rb") as f:
            assert f.read() == b"mine\n", "the command's REPORT file was replaced"
        with open(fallback, "rb") as f:
            assert f.read() == b"mine2\n", \
                f"the command's {os.path.basename(fallback)} was replaced by the report " \
                f"although the tracer said: {proc.stderr.strip()!r}"
        others = sorted(set(os.listdir(tmp)) - {"r.msgpack", "r.msgpack.roar-seccomp"})
        assert len(others) == 1, f"one new file holds the report: {others}"
        one_message(proc.stderr, others[0])
        written = {f["path"] for f in decode(os.path.join(tmp, others[0]))["files"] if f["written"]}
        assert written == {report, fallback}, sorted(written)


# ----------------------------------------------------------------------------- long argv

def wrapped(inner):
    """A root shell that runs `inner` as a child process: the root's argv is the one the tracer
    was given, the child's is read from the traced exec."""
    return ["sh", "-c", '"$@"; true', "sh", *inner]


def commands(run):
    return [p["command"] for p in run.processes()]


def test_one_hundred_thousand_arguments_are_passed_and_recorded_exactly():
    """100,000 arguments, to the root command and again to a child it runs: both run with them,
    and the report records both argvs exactly."""
    with workdir() as tmp:
        inner = ["sh", "-c", 'echo "$#" > count', "sh", *[f"a{i}" for i in range(100_000)]]
        argv = wrapped(inner)
        if exec_size(tracer(), [tracer(), "/" + "r" * 60, "--", *argv], os.environ) > exec_limit():
            roartest.skip("RLIMIT_STACK is too small for 100,000 arguments")
        run = trace(argv, tmp)
        assert run.exit_code == 0, (run.exit_code, run.stderr)
        with open(os.path.join(tmp, "count")) as f:
            assert f.read() == "100000\n"
        assert run.root()["command"] == argv, "the report's root argv differs from the command's"
        cmds = commands(run)
        assert len(cmds) == 2 and inner in cmds, \
            f"the child's argv is not recorded exactly: {[c[:6] for c in cmds]}"
        assert run.writes() == {"count"}


def test_one_argument_of_100_kib_is_passed_and_recorded_exactly():
    """One argument of 100 KiB with spaces, tabs, newlines, quotes and shell metacharacters, to
    the root command and to a child: it arrives intact and the report records it exactly."""
    with workdir() as tmp:
        unit = "0123456789 abcdef\tghij\n-KLMNOPQRSTUVWXYZ=*?[]'\"$`\\|;&<>()~#%.,:!"
        big = (unit * (100 * 1024 // len(unit) + 1))[:100 * 1024]
        inner = ["sh", "-c", 'printf %s "$1" > copy', "sh", big]
        argv = wrapped(inner)
        run = trace(argv, tmp)
        assert run.exit_code == 0, (run.exit_code, run.stderr)
        with open(os.path.join(tmp, "copy")) as f:
            assert f.read() == big, "the command did not get the argument intact"
        assert run.root()["command"] == argv, "the report's root argv differs from the command's"
        cmds = commands(run)
        assert len(cmds) == 2 and inner in cmds, \
            f"the child's argv is not recorded exactly: {[[a[:20] for a in c] for c in cmds]}"
        assert run.writes() == {"copy"}


def test_argv_too_large_for_exec_exits_126_with_a_clear_message():
    """The command's exec(2) fails with E2BIG although the tracer's own exec fit: the command is
    found through a PATH directory with a name of about 3,000 bytes, which exec(2) counts against
    the same limit as argv and envp, while the tracer is started by a short path. Arguments fill
    the limit to 512 bytes past what the command's exec accepts. The result is 126, a message that
    names the cause, and a report that records the command."""
    with workdir() as tmp:
        longdir = tmp
        for _ in range(12):
            longdir = os.path.join(longdir, "d" * 250)
        os.makedirs(longdir)
        prog = write(os.path.join(longdir, "prog"), "#!/bin/sh\n" + MARKER_SCRIPT + "\n")
        os.chmod(prog, 0o755)
        env = dict(os.environ, PATH=longdir)
        report_dir = tempfile.mkdtemp(prefix="roar-report-")
        try:
            report = os.path.join(report_dir, "r.msgpack")
            limit = exec_limit()
            chunk = 100_000  # below MAX_ARG_STRLEN (128 KiB) per string
            need = limit + 512 - exec_size(prog, ["prog"], env)
            fill = []
            while need > 0:  # a string costs its bytes, a NUL and a pointer
                size = min(chunk, max(need - 9, 0))
                fill.append("x" * size)
                need -= size + 9
            argv = ["prog", *fill]
            command_size = exec_size(prog, argv, env)
            tracer_size = exec_size(tracer(), [tracer(), report, "--", *argv], env)
            assert command_size > limit, (command_size, limit)
            if tracer_size > limit - 512:
                roartest.skip(f"the tracer's path ({tracer()}) is too long for this construction")
            # Untraced, the same exec fails with E2BIG: the limit is where this test puts it.
            try:
                subprocess.run(argv, cwd=tmp, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, timeout=60)
                roartest.skip("exec(2) accepted more than fs/exec.c's limit computed here")
            except OSError as e:
                if e.errno != errno.E2BIG:
                    raise
            try:
                proc = subprocess.run([tracer(), report, "--", *argv], cwd=tmp, env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
            except OSError as e:
                if e.errno == errno.E2BIG:
                    roartest.skip("exec(2) counts arguments differently: the tracer did not start")
                raise
            stderr = proc.stderr.decode(errors="replace")
            assert proc.returncode == 126, (proc.returncode, stderr[:2000])
            one_message(stderr, os.strerror(errno.E2BIG))
            assert not os.path.exists(os.path.join(tmp, "marker")), "the command ran"
            decoded = decode(report)
            assert root_of(decoded)["command"] == argv, \
                "the report's argv differs from the command's"
        finally:
            shutil.rmtree(report_dir, ignore_errors=True)
