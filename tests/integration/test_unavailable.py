"""No seccomp user notification (README: exit statuses and --preflight, "Where it works"). Each cause is simulated by an outer seccomp filter that fx_sandbox installs before it
execs the tracer:

  foreign-listener   another program's listener is already on the filter chain: the tracer's
                     own install gets EBUSY, and no roar-seccomp is among its ancestors to
                     delegate to;
  no-notify-einval   seccomp(SECCOMP_SET_MODE_FILTER) with SECCOMP_FILTER_FLAG_NEW_LISTENER fails
                     with EINVAL, like gVisor or a kernel without user notification;
  deny-seccomp       seccomp(2) and prctl(PR_SET_SECCOMP) fail with EPERM, like a sandbox that
                     forbids filters.

For each: a run exits 125 before starting the command (its side effect is absent) with a
one-line message naming the cause and the way out (--if-untraceable); `--if-untraceable run`
runs the command untraced, exits with its status, and writes a report with complete false and a
warning starting "not traced:" that names the cause; `--preflight --json` reports ok:false with
the cause in the summary and a failed check. No message blames another cause than the real one.
"""
import json
import os
import re
import subprocess

import roartest
from roartest import fixture, python3, read_bytes, skip, trace_under, workdir


class Cause:
    def __init__(self, profile, errno_name, cause, wrong):
        self.profile = profile
        self.errno_name = errno_name
        self.cause = re.compile(cause, re.IGNORECASE)  # what a message must say
        self.wrong = re.compile(wrong, re.IGNORECASE)  # what it must not claim instead


FOREIGN_LISTENER = Cause("foreign-listener", "EBUSY", r"listener", r"denied|gVisor|Linux 5\.5")
NO_NOTIFY = Cause("no-notify-einval", "EINVAL", r"user notification", r"denied|listener")
DENIED = Cause("deny-seccomp", "EPERM", r"denied|not permitted",
               r"gVisor|Linux 5\.5|listener|does not offer")


# ----------------------------------------------------------------------------- local helpers

def sandbox(cause):
    """The fixture prefix for `cause`; skips when the fixture cannot install its filter here."""
    prefix = [fixture("fx_sandbox"), cause.profile, "--"]
    probe = subprocess.run([*prefix, "true"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           timeout=60)
    if probe.returncode != 0:
        skip(f"fx_sandbox {cause.profile} cannot install its filter here: "
             f"{probe.stderr.decode(errors='replace').strip()}")
    return prefix


def stderr_lines(run):
    return [line for line in run.stderr.splitlines() if line.strip()]


def names_cause(cause, text, what):
    assert cause.cause.search(text), f"{what} does not name the cause ({cause.errno_name}): {text}"
    wrong = cause.wrong.search(text)
    assert not wrong, f"{what} blames another cause ({wrong.group(0)!r}) for " \
                      f"{cause.errno_name}: {text}"


# ----------------------------------------------------------------------------- scenarios

def run_fails_before_the_command(cause, tracer_args=()):
    prefix = sandbox(cause)
    with workdir() as tmp:
        run = trace_under(prefix, ["sh", "-c", "echo ran > ran.txt"], tmp,
                          tracer_args=tracer_args, expect_report=False)
        assert run.exit_code == 125, f"exit {run.exit_code}; stderr: {run.stderr}"
        assert not os.path.exists(os.path.join(tmp, "ran.txt")), "the command ran"
        lines = stderr_lines(run)
        assert len(lines) == 1, f"one line on stderr: {run.stderr!r}"
        assert lines[0].startswith("roar-seccomp:"), lines[0]
        names_cause(cause, lines[0], "the message")
        assert "--if-untraceable" in lines[0], f"the way out is not named: {lines[0]}"
        assert run.stdout == b"", run.stdout
        if run.report is not None:
            # Never a silently empty report.
            assert run.report.get("complete") is False, run.report
            assert any(w.startswith("not traced:") for w in run.warnings()), run.warnings()


def untraced_run(cause):
    prefix = sandbox(cause)
    with workdir() as tmp:
        argv = ["sh", "-c", "echo $$ > ran.txt; echo out; exit 3"]
        run = trace_under(prefix, argv, tmp, tracer_args=["--if-untraceable", "run"])
        assert run.exit_code == 3, f"exit {run.exit_code}; stderr: {run.stderr}"
        assert run.stdout == b"out\n", run.stdout
        ran = os.path.join(tmp, "ran.txt")
        assert os.path.exists(ran), "the command did not run"
        report = run.report
        assert report.get("complete") is False, f"complete is {report.get('complete')!r}"
        not_traced = [w for w in run.warnings() if w.startswith("not traced:")]
        assert len(not_traced) == 1, run.warnings()
        names_cause(cause, not_traced[0], "the report's warning")
        root = run.root()
        assert root["command"] == argv and root["parent_pid"] is None, run.processes()
        assert root["pid"] == int(read_bytes(ran)), (root, read_bytes(ran))
        assert len(run.processes()) == 1, run.processes()
        # Nothing was observed, so nothing is claimed.
        assert run.opened() == set(), sorted(run.opened())
        lines = stderr_lines(run)
        assert len(lines) == 1 and lines[0].startswith("roar-seccomp:"), run.stderr
        names_cause(cause, lines[0], "the warning on stderr")
        assert "untraced" in lines[0], lines[0]


def preflight_fails(cause):
    prefix = sandbox(cause)
    if not roartest.TRACER:
        skip("ROAR_SECCOMP is not set: run the scenarios through ctest")
    proc = subprocess.run([*prefix, roartest.TRACER, "--preflight", "--json"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=240)
    lines = proc.stdout.decode(errors="replace").splitlines()
    assert len(lines) == 1, f"one JSON object on stdout: {lines!r}; stderr {proc.stderr!r}"
    result = json.loads(lines[0])
    assert proc.returncode == 1, f"exit {proc.returncode}: {result}"
    assert result["ok"] is False, result
    assert result["backend"] == "seccomp"
    failed = [c for c in result["checks"] if not c["ok"]]
    assert failed, f"no failed check: {result}"
    assert any(cause.cause.search(c["detail"]) for c in failed), \
        f"no failed check names the cause ({cause.errno_name}): {failed}"
    names_cause(cause, result["summary"], "the preflight summary")


def test_foreign_listener_run_fails_before_the_command():
    run_fails_before_the_command(FOREIGN_LISTENER)


def test_foreign_listener_if_untraceable_run_runs_untraced():
    untraced_run(FOREIGN_LISTENER)


def test_foreign_listener_preflight_reports_the_cause():
    preflight_fails(FOREIGN_LISTENER)


def test_no_user_notification_run_fails_before_the_command():
    run_fails_before_the_command(NO_NOTIFY)


def test_no_user_notification_if_untraceable_run_runs_untraced():
    untraced_run(NO_NOTIFY)


def test_no_user_notification_preflight_reports_the_cause():
    preflight_fails(NO_NOTIFY)


def test_seccomp_denied_run_fails_before_the_command():
    run_fails_before_the_command(DENIED)


def test_seccomp_denied_if_untraceable_run_runs_untraced():
    untraced_run(DENIED)


def test_seccomp_denied_preflight_reports_the_cause():
    preflight_fails(DENIED)


def test_if_untraceable_fail_is_the_default():
    run_fails_before_the_command(DENIED, tracer_args=["--if-untraceable", "fail"])


def test_quiet_still_prints_the_error():
    run_fails_before_the_command(NO_NOTIFY, tracer_args=["-q"])


def test_untraced_missing_command_exits_127_with_a_report():
    prefix = sandbox(DENIED)
    with workdir() as tmp:
        missing = "roar-seccomp-no-such-program"
        run = trace_under(prefix, [missing], tmp, tracer_args=["--if-untraceable", "run"])
        assert run.exit_code == 127, f"exit {run.exit_code}; stderr: {run.stderr}"
        assert any(missing in line and "not found" in line for line in stderr_lines(run)), \
            run.stderr
        assert run.report.get("complete") is False, run.report
        assert any(w.startswith("not traced:") for w in run.warnings()), run.warnings()
        assert run.root()["command"] == [missing], run.processes()


def test_untraced_command_keeps_stdin_and_environment():
    prefix = sandbox(NO_NOTIFY)
    with workdir() as tmp:
        path = os.path.join(tmp, "in")
        with open(path, "wb") as f:
            f.write(b"from stdin\n")
        env = dict(os.environ, ROAR_UNAVAILABLE_PROBE="kept")
        with open(path, "rb") as src:
            run = trace_under(prefix, ["sh", "-c", 'cat; echo "$ROAR_UNAVAILABLE_PROBE"'], tmp,
                              tracer_args=["--if-untraceable", "run"], stdin=src, env=env)
        assert run.exit_code == 0, run.stderr
        assert run.stdout == b"from stdin\nkept\n", run.stdout
        assert run.report.get("complete") is False, run.report


# ----------------------------------------------------------------------------- the fixture itself

def test_fixture_profiles_fail_with_the_intended_errno():
    """Each profile makes the tracer's calls fail the way it claims (so that the scenarios above
    test the cause they name): a filter with a listener of its own, a filter without one, and
    prctl(PR_SET_SECCOMP), tried by a small program under each profile."""
    code = (
        "import ctypes, errno, struct\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "libc.prctl(38, 1, 0, 0, 0)\n"  # PR_SET_NO_NEW_PRIVS
        "insn = struct.pack('HBBI', 0x06, 0, 0, 0x7fff0000)\n"  # BPF_RET|BPF_K, ALLOW
        "buf = ctypes.create_string_buffer(insn)\n"
        "class Prog(ctypes.Structure):\n"
        "    _fields_ = [('len', ctypes.c_ushort), ('filter', ctypes.c_void_p)]\n"
        "prog = Prog(1, ctypes.addressof(buf))\n"
        "def seccomp(flags):\n"
        "    r = libc.syscall(ctypes.c_long(317), ctypes.c_long(1), ctypes.c_long(flags),\n"
        "                     ctypes.byref(prog))\n"
        "    return 'ok' if r >= 0 else errno.errorcode[ctypes.get_errno()]\n"
        "def prctl_seccomp():\n"
        "    r = libc.prctl(22, 2, ctypes.byref(prog), 0, 0)\n"  # PR_SET_SECCOMP, FILTER
        "    return 'ok' if r >= 0 else errno.errorcode[ctypes.get_errno()]\n"
        "print(seccomp(8), seccomp(0), prctl_seccomp())\n")  # 8: NEW_LISTENER
    expected = {
        "foreign-listener": ["EBUSY", "ok", "ok"],
        "no-notify-einval": ["EINVAL", "ok", "ok"],
        "deny-seccomp": ["EPERM", "EPERM", "EPERM"],
    }
    got = {}
    for cause in (FOREIGN_LISTENER, NO_NOTIFY, DENIED):
        proc = subprocess.run([*sandbox(cause), python3(), "-I", "-c", code],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        assert proc.returncode == 0, (cause.profile, proc.stderr)
        got[cause.profile] = proc.stdout.decode().split()
    assert got == expected, got
    # Without the fixture the same program installs all three.
    proc = subprocess.run([python3(), "-I", "-c", code], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=60)
    assert proc.stdout.decode().split() == ["ok", "ok", "ok"], (proc.stdout, proc.stderr)
