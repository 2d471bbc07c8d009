"""roar's own tracer scenarios 23 (preflight) and 24 (exit codes), numbered as roar's tracer tests
number them, run against roar-seccomp: `--preflight --json` prints one JSON object of the shape
README "Usage" gives, and the tracer exits as the root did (128+N when a signal N killed it, 127
when the command is missing, 126 when it cannot be executed), with a report in every case.
"""
import json
import os
import shutil
import signal
import stat
import subprocess

import roartest
from roartest import assert_files, trace, workdir, write


# ----------------------------------------------------------------------------- local helpers

def preflight(*flags):
    """Runs `roar-seccomp --preflight FLAGS...` directly (no command is traced)."""
    if not roartest.TRACER:
        roartest.skip("ROAR_SECCOMP is not set: run the scenarios through ctest")
    return subprocess.run([roartest.TRACER, "--preflight", *flags], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=120)


PREFLIGHT_KEYS = {"backend", "ok", "summary", "command_checked", "warnings", "checks"}


def preflight_json(proc):
    """The one JSON object a --preflight --json run prints, with its shape checked (README "Usage")."""
    text = proc.stdout.decode()
    result = json.loads(text.strip())  # exactly one object: trailing text would not parse
    assert isinstance(result, dict), text
    assert set(result) == PREFLIGHT_KEYS, sorted(result)
    assert result["backend"] == "seccomp"
    assert isinstance(result["ok"], bool)
    assert isinstance(result["summary"], str) and result["summary"]
    assert result["command_checked"] is None or isinstance(result["command_checked"], str)
    assert isinstance(result["warnings"], list)
    assert all(isinstance(w, str) for w in result["warnings"])
    assert isinstance(result["checks"], list) and result["checks"]
    for check in result["checks"]:
        assert set(check) == {"name", "ok", "detail"}, check
        assert isinstance(check["name"], str) and isinstance(check["ok"], bool)
        assert isinstance(check["detail"], str)
    return result


# ----------------------------------------------------------------------------- 23: preflight

def test_23_preflight_json_ok():
    """roar scenario 23: `--preflight --json`: one JSON object, ok:true, exit 0, no command checked."""
    proc = preflight("--json")
    result = preflight_json(proc)
    assert proc.returncode == 0, (proc.returncode, result, proc.stderr)
    assert result["ok"] is True, result
    assert result["command_checked"] is None
    assert all(c["ok"] for c in result["checks"]), result["checks"]
    assert "command" not in [c["name"] for c in result["checks"]]


def test_23_preflight_json_with_command():
    """roar scenario 23: `--preflight --json --command python3`: ok, and the command checked is what PATH
    resolves it to (like execvp); a passed check named "command"."""
    proc = preflight("--json", "--command", "python3")
    result = preflight_json(proc)
    assert proc.returncode == 0, (proc.returncode, result, proc.stderr)
    assert result["ok"] is True, result
    assert result["command_checked"] == shutil.which("python3"), result
    commands = [c for c in result["checks"] if c["name"] == "command"]
    assert len(commands) == 1 and commands[0]["ok"] is True, result["checks"]


def test_23_preflight_json_unknown_command():
    """roar scenario 23: an unknown command: ok:false, summary "command not found: X", a failed check
    named "command", exit 1; every other check still passes."""
    name = "roar-no-such-command-zz"
    proc = preflight("--json", "--command", name)
    result = preflight_json(proc)
    assert proc.returncode == 1, (proc.returncode, result, proc.stderr)
    assert result["ok"] is False
    assert result["summary"] == f"command not found: {name}", result["summary"]
    failed = [c for c in result["checks"] if not c["ok"]]
    assert [c["name"] for c in failed] == ["command"], result["checks"]


def test_23_preflight_bad_flag_exits_2():
    """roar's command line: bad flags exit 2 (and print no JSON on stdout)."""
    proc = preflight("--json", "--no-such-flag")
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert proc.stdout == b""


# ----------------------------------------------------------------------------- 24: exit codes

def test_24_exit_code_of_the_root():
    """roar scenario 24: `sh -c 'exit 3'` -> 3, with a report."""
    with workdir() as tmp:
        run = trace(["sh", "-c", "exit 3"], tmp)
        assert run.exit_code == 3, run.stderr
        assert run.root()["command"] == ["sh", "-c", "exit 3"]


def test_24_root_killed_by_signal_exits_128_plus_signal():
    """roar scenario 24: `sh -c 'kill -TERM $$'` -> 143, with a report."""
    with workdir() as tmp:
        run = trace(["sh", "-c", "kill -TERM $$"], tmp)
        assert run.exit_code == 128 + signal.SIGTERM, run.stderr


def test_24_descendant_status_is_ignored():
    """roar's command line: only the root's status counts: a child that fails or is killed changes nothing."""
    with workdir() as tmp:
        run = trace(["sh", "-c", "sh -c 'exit 7'; sh -c 'kill -KILL $$'; exit 0"], tmp)
        assert run.exit_code == 0, run.stderr


def test_24_missing_command_exits_127_with_a_report():
    """roar's test 24 (README "Usage": 127, and the report is still written, so roar does not re-run)."""
    with workdir() as tmp:
        argv = ["roar-no-such-command-zz"]
        run = trace(argv, tmp, separator=False)
        assert run.exit_code == 127, run.stderr
        assert run.stderr.startswith("roar-seccomp:"), run.stderr
        assert [p["command"] for p in run.processes()] == [argv]


def test_24_not_executable_exits_126_with_a_report():
    """README "Usage": found but not executable: 126, with a report."""
    with workdir() as tmp:
        script = os.path.join(tmp, "script.sh")
        write(script, "#!/bin/sh\necho never\n")
        os.chmod(script, 0o644)
        run = trace(["./script.sh"], tmp)
        assert run.exit_code == 126, run.stderr
        assert run.stderr.startswith("roar-seccomp:"), run.stderr
        assert run.stdout == b""
        assert_files(run, reads=set(), writes=set(), opened_only=set())


def test_24_directory_as_command_exits_126_with_a_report():
    """README "Usage" and "Failure modes": a directory as the command gives a clear error (126) and a report."""
    with workdir() as tmp:
        os.mkdir(os.path.join(tmp, "adir"))
        os.chmod(os.path.join(tmp, "adir"), stat.S_IRWXU)
        run = trace(["./adir"], tmp)
        assert run.exit_code == 126, run.stderr
        assert run.stderr.startswith("roar-seccomp:") and "adir" in run.stderr, run.stderr
        assert [p["command"] for p in run.processes()] == [["./adir"]]
