"""roar's own tracer scenarios (numbered 1-24 as roar's tracer tests number them) and their
"recommended additions", run against roar-seccomp.

roar's tests check R ⊇ {...} and W ⊇ {...}; here every scenario compares the exact read, written
and opened-only sets under its own roartest.workdir() (README "Semantics"), so a spurious read or write
fails as surely as a missing one. Scenario 20 (short-lived writes) must reach 100%, not roar's
eBPF floor of 80%. Scenarios 21 and 22 are decided on roar's Python side; here the tracer must
report both files (21) and record the root command as the argv it was given (22).
"""
import json
import os
import shutil
import signal
import stat
import subprocess

import roartest
from roartest import (assert_files, fixture, ok, py, python3, read_bytes, record, trace, workdir,
                      write)

CONTENT = b"gamma\nalpha\nbeta\n"


# ----------------------------------------------------------------------------- local helpers

def fxp(*args):
    """argv of the path scenario program (tests/fixtures/fx_paths.c)."""
    return [fixture("fx_paths"), *args]


def commands(run):
    """(pid, parent_pid, command) of every process: what a failure message needs."""
    return [(p["pid"], p["parent_pid"], p["command"]) for p in run.processes()]


def all_paths(run):
    """Every path the report names, decoded like roartest does (bytes paths surrogate-escaped)."""
    return [os.fsdecode(f["path"]) for f in run.report["files"]]


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


# ----------------------------------------------------------------------------- 1-5

def test_01_python_workload_reads_input_writes_output():
    """roar scenario 1: `python w.py in out`: the script and `in` read, `out` written, nothing else."""
    with workdir() as tmp:
        write(os.path.join(tmp, "w.py"),
              "import sys\n"
              "src, dst = sys.argv[1], sys.argv[2]\n"
              "with open(src, 'rb') as f:\n"
              "    data = f.read()\n"
              "with open(dst, 'wb') as f:\n"
              "    f.write(b'pre:' + data)\n")
        write(os.path.join(tmp, "in"), CONTENT)
        run = trace([python3(), "w.py", "in", "out"], tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "out")) == b"pre:" + CONTENT
        assert_files(run, reads={"w.py", "in"}, writes={"out"}, opened_only=set())


def test_02_bash_redirect_to_absolute_path():
    """roar scenario 2: `bash -c "echo hi > <abs>/redirect_target.txt"`."""
    with workdir() as tmp:
        target = os.path.join(tmp, "redirect_target.txt")
        run = trace(["bash", "-c", f"echo hi > {target}"], tmp)
        ok(run)
        assert read_bytes(target) == b"hi\n"
        assert_files(run, reads=set(), writes={"redirect_target.txt"}, opened_only=set())


def test_03_failed_dup3_does_not_corrupt_existing_fd_mapping():
    """roar scenario 3: dup2(fd, 100); close(fd); write(100); a raw dup3(9999, 100, 0) that fails with
    EBADF must leave fd 100 mapped to dst; write(100) again."""
    with workdir() as tmp:
        code = (
            "import ctypes, errno, os, platform\n"
            "NR_DUP3 = {'x86_64': 292, 'aarch64': 24}[platform.machine()]\n"
            "libc = ctypes.CDLL(None, use_errno=True)\n"
            "fd = os.open('dst', os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)\n"
            "assert os.dup2(fd, 100) == 100\n"
            "os.close(fd)\n"
            "os.write(100, b'first ')\n"
            "rc = libc.syscall(NR_DUP3, 9999, 100, 0)\n"
            "assert rc == -1 and ctypes.get_errno() == errno.EBADF, (rc, ctypes.get_errno())\n"
            "os.write(100, b'second')\n"
            "os.close(100)\n")
        run = trace(py(code), tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "dst")) == b"first second"
        assert_files(run, reads=set(), writes={"dst"}, opened_only=set())


def test_04_splice_file_to_pipe_is_a_read():
    """roar scenario 4: os.splice(file, pipe) moves bytes out of the file without read(2)."""
    with workdir() as tmp:
        write(os.path.join(tmp, "src"), CONTENT)
        code = (
            "import os\n"
            "fd = os.open('src', os.O_RDONLY)\n"
            "r, w = os.pipe()\n"
            "n = os.splice(fd, w, 1024)\n"
            "os.close(w)\n"
            "os.write(1, os.read(r, 1024))\n")
        run = trace(py(code), tmp)
        ok(run)
        assert run.stdout == CONTENT
        assert_files(run, reads={"src"}, writes=set(), opened_only=set())


def test_05_cat_with_captured_stdout():
    """roar scenario 5: `cat input.txt` with stdout captured (a pipe): input.txt is an input."""
    with workdir() as tmp:
        write(os.path.join(tmp, "input.txt"), CONTENT)
        run = trace(["cat", "input.txt"], tmp)
        ok(run)
        assert run.stdout == CONTENT
        assert_files(run, reads={"input.txt"}, writes=set(), opened_only=set())


# ----------------------------------------------------------------------------- 6-11: shells

def test_06_bash_single_redirect_relative():
    """roar scenario 6: a relative redirect lands at <tmp>/out.txt (absolute, canonical)."""
    with workdir() as tmp:
        run = trace(["bash", "-c", "echo hi > out.txt"], tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "out.txt")) == b"hi\n"
        assert_files(run, reads=set(), writes={"out.txt"}, opened_only=set())


def test_07_pipe_to_redirect():
    """roar scenario 7: a four-stage pipeline whose last stage redirects to out.txt."""
    with workdir() as tmp:
        run = trace(["bash", "-c", "echo a b c | tr ' ' '\\n' | sort | head -n 2 > out.txt"],
                    tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "out.txt")) == b"a\nb\n"
        assert_files(run, reads=set(), writes={"out.txt"}, opened_only=set())


def test_08_awk_redirect_then_cat():
    """roar scenario 8: awk writes out.txt, then cat reads it: written and read."""
    with workdir() as tmp:
        run = trace(["bash", "-c",
                     "echo abc | awk '{print toupper($0)}' > out.txt; cat out.txt > /dev/null"],
                    tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "out.txt")) == b"ABC\n"
        assert_files(run, reads={"out.txt"}, writes={"out.txt"}, opened_only=set())


def test_09_three_stage_pipeline():
    """roar scenario 9: lines -> wc -> summary -> awk -> score."""
    with workdir() as tmp:
        script = ("echo 'one\ntwo\nthree' > lines.txt && "
                  "wc -l lines.txt | awk '{print $1}' > summary.txt && "
                  "awk '{print \"score=\" $1*2}' summary.txt > score.txt")
        run = trace(["bash", "-c", script], tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "summary.txt")) == b"3\n"
        assert read_bytes(os.path.join(tmp, "score.txt")) == b"score=6\n"
        assert_files(run, reads={"lines.txt", "summary.txt"},
                     writes={"lines.txt", "summary.txt", "score.txt"}, opened_only=set())


def test_10_sh_write_then_cat():
    """roar scenario 10: `/bin/sh -c "echo hello > f && cat f > /dev/null"`: roar only requires the write;
    the read is real and must be reported too."""
    with workdir() as tmp:
        f = os.path.join(tmp, "f")
        run = trace(["/bin/sh", "-c", f"echo hello > '{f}' && cat '{f}' > /dev/null"], tmp)
        ok(run)
        assert_files(run, reads={"f"}, writes={"f"}, opened_only=set())


def test_11_python_one_liner_write_then_read():
    """roar scenario 11: python writes p, closes, reopens and reads it."""
    with workdir() as tmp:
        p = os.path.join(tmp, "p.txt")
        code = (f"f=open({p!r},'w');f.write('hello from python');f.close();"
                f"f=open({p!r});print(f.read())")
        run = trace(py(code), tmp)
        ok(run)
        assert run.stdout == b"hello from python\n"
        assert_files(run, reads={"p.txt"}, writes={"p.txt"}, opened_only=set())
        assert len(run.report["files"]) >= 2  # roar's check: the interpreter's files too


# ----------------------------------------------------------------------------- 12-13

def test_12_io_fixture():
    """roar scenario 12, roar's io_fixture call for call (fx_paths io-fixture): T written and read; both
    rename destinations (T.renamed, then T again) written; the link's source T.linked#1 (bytes
    written) and its new name T.linked written; truncate(T, 5) a write; T.unlink_test created
    without a byte and unlinked: opened only (roar's ptrace strict rule, not preload's)."""
    with workdir() as tmp:
        run = trace(fxp("io-fixture", "t"), tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "t")) == b"roar-"
        assert sorted(os.listdir(tmp)) == ["t", "t.linked"]
        assert_files(run, reads={"t"}, writes={"t", "t.renamed", "t.linked#1", "t.linked"},
                     opened_only={"t.unlink_test"})


def test_13_report_invariants():
    """roar scenario 13: version, times, pids, no duplicate paths, tracer_mode, events_dropped (most are
    checked by roartest.check_invariants on every report; here the rest, on a run with several
    processes touching one file several ways)."""
    with workdir() as tmp:
        run = trace(["sh", "-c", "echo a > x; cat x x > /dev/null; (echo b >> x); cat x"], tmp)
        ok(run)
        r = run.report
        assert r["version"] == 1 and r["tracer_mode"] == "seccomp" and r["events_dropped"] == 0
        assert 0 < r["start_time"] <= r["end_time"] < r["start_time"] + 30
        assert all(p["pid"] > 0 for p in r["processes"])
        assert len(r["processes"]) >= 3, r["processes"]
        paths = [f["path"] for f in r["files"]]
        assert len(paths) == len(set(paths))
        assert_files(run, reads={"x"}, writes={"x"}, opened_only=set())


# ----------------------------------------------------------------------------- 14-19: python

def test_14_zero_byte_write_is_not_an_output():
    """roar scenario 14: open('data.txt','w'); f.write(''); flush; os.write(fd, b''): opened only."""
    with workdir() as tmp:
        code = ("import os\n"
                "f = open('data.txt', 'w')\n"
                "f.write('')\n"
                "f.flush()\n"
                "assert os.write(f.fileno(), b'') == 0\n"
                "f.close()\n")
        run = trace(py(code), tmp)
        ok(run)
        assert_files(run, reads=set(), writes=set(), opened_only={"data.txt"})


def test_15_actual_write_is_an_output():
    """roar scenario 15."""
    with workdir() as tmp:
        run = trace(py("open('output.txt', 'w').write('hello world\\n')"), tmp)
        ok(run)
        assert_files(run, reads=set(), writes={"output.txt"}, opened_only=set())


def test_16_truncate_without_write_is_not_an_output():
    """roar scenario 16: open('truncate_me.txt','w').close() of a non-empty file truncates it but writes
    no byte: opened only (roar's test_truncate_without_write_not_recorded)."""
    with workdir() as tmp:
        write(os.path.join(tmp, "truncate_me.txt"), CONTENT)
        run = trace(py("open('truncate_me.txt', 'w').close()"), tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "truncate_me.txt")) == b""
        assert_files(run, reads=set(), writes=set(), opened_only={"truncate_me.txt"})


def test_17_read_only_file_then_pipe_write_not_an_output():
    """roar scenario 17: data.csv read with os.open/os.read and closed; a pipe gets the freed fd number and
    is written; output.txt written. data.csv must not become an output."""
    with workdir() as tmp:
        write(os.path.join(tmp, "data.csv"), b"a,b\n1,2\n")
        code = ("import os\n"
                "fd = os.open('data.csv', os.O_RDONLY)\n"
                "assert os.read(fd, 4096)\n"
                "os.close(fd)\n"
                "r, w = os.pipe()\n"
                "assert fd in (r, w), (fd, r, w)\n"
                "os.write(w, b'through the pipe')\n"
                "with open('output.txt', 'w') as f:\n"
                "    f.write('result\\n')\n")
        run = trace(py(code), tmp)
        ok(run)
        assert_files(run, reads={"data.csv"}, writes={"output.txt"}, opened_only=set())


def test_18_read_file_then_pipe_dup2_onto_its_fd_not_attributed():
    """roar scenario 18: config.json read on fd N and closed; a pipe's write end dup2'ed onto N and
    written; result.txt written. config.json must not become an output."""
    with workdir() as tmp:
        write(os.path.join(tmp, "config.json"), b'{"k": 1}\n')
        code = ("import os\n"
                "n = os.open('config.json', os.O_RDONLY)\n"
                "assert os.read(n, 4096)\n"
                "os.close(n)\n"
                "r, w = os.pipe()\n"
                "keep = os.dup(r)  # r may take number n: keep a reader when dup2 closes it\n"
                "assert os.dup2(w, n) == n\n"
                "assert os.write(n, b'pipe bytes') == 10\n"
                "assert os.read(keep, 64) == b'pipe bytes'\n"
                "with open('result.txt', 'w') as f:\n"
                "    f.write('ok\\n')\n")
        run = trace(py(code), tmp)
        ok(run)
        assert_files(run, reads={"config.json"}, writes={"result.txt"}, opened_only=set())


def test_19_link_into_place():
    """roar scenario 19: write out/artifact.txt#1, os.link it to out/artifact.txt, unlink the temporary:
    the new name is written (link publishes content), and so is the temporary (bytes were
    written to it)."""
    with workdir() as tmp:
        os.mkdir(os.path.join(tmp, "out"))
        code = ("import os\n"
                "with open('out/artifact.txt#1', 'w') as f:\n"
                "    f.write('artifact\\n')\n"
                "os.link('out/artifact.txt#1', 'out/artifact.txt')\n"
                "os.unlink('out/artifact.txt#1')\n")
        run = trace(py(code), tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "out/artifact.txt")) == b"artifact\n"
        assert_files(run, reads=set(), writes={"out/artifact.txt#1", "out/artifact.txt"},
                     opened_only=set())


# ----------------------------------------------------------------------------- 20: 100%

def short_lived_trials(script, trials):
    """Runs `bash -c script` `trials` times, each in a fresh directory; returns the failures."""
    failures = []
    for i in range(trials):
        with workdir() as tmp:
            run = trace(["bash", "-c", script], tmp)
            got = (run.exit_code, run.reads(), run.writes(), run.opened())
            if got != (0, set(), {"test.txt"}, {"test.txt"}):
                failures.append((i, got, run.stderr))
    return failures


def test_20_short_lived_writes_every_trial():
    """roar scenario 20: `bash -c 'echo hi > test.txt'`, 30 trials: every one reports test.txt written
    (roar accepts 80% from eBPF; user notification sees every call before it runs)."""
    failures = short_lived_trials("echo hi > test.txt", 30)
    assert not failures, f"{len(failures)}/30 trials wrong: {failures}"


def test_20_short_lived_writes_after_sleep_every_trial():
    """roar scenario 20, `sleep 0.2;` variant, 20 trials."""
    failures = short_lived_trials("sleep 0.2; echo hi > test.txt", 20)
    assert not failures, f"{len(failures)}/20 trials wrong: {failures}"


# ----------------------------------------------------------------------------- 21-22

def test_21_tracer_reports_files_roar_filters_later():
    """roar scenario 21: roar drops blocked-by-root.txt through its own ignore_paths (.roarconfig); the
    tracer must not pre-filter: both files written, the config never opened."""
    with workdir() as tmp:
        write(os.path.join(tmp, ".roarconfig"), '[filters]\nignore_paths = ["blocked-by-root.txt"]\n')
        code = ("open('out.txt', 'w').write('out\\n')\n"
                "open('blocked-by-root.txt', 'w').write('blocked\\n')\n")
        run = trace(py(code), tmp)
        ok(run)
        assert_files(run, reads=set(), writes={"out.txt", "blocked-by-root.txt"},
                     opened_only=set())


def test_22_shebang_script_root_command_is_the_given_argv():
    """roar scenario 22: `./train.sh` with a `#!/bin/sh` line. /proc/PID/cmdline shows the interpreter
    (["/bin/sh", "./train.sh"]); the root's command must be exactly the argv given."""
    with workdir() as tmp:
        script = os.path.join(tmp, "train.sh")
        write(script, "#!/bin/sh\necho trained > model.txt\n")
        os.chmod(script, 0o755)
        run = trace(["./train.sh"], tmp)
        ok(run)
        assert run.root()["command"] == ["./train.sh"]
        assert_files(run, reads={"train.sh"}, writes={"model.txt"}, opened_only=set())


def test_22_env_shebang_script_root_command_is_the_last_exec():
    """roar scenario 22 as roar's test: `#!/usr/bin/env python3`, so the root process execs twice
    (./train.sh, whose interpreter env then execs python3). README "The report": the command is the argv of
    the last successful exec, python3's, as roar's ptrace tracer reports it; roar itself records
    the argv it ran (["./train.sh"]), so both agree with its test."""
    with workdir() as tmp:
        script = os.path.join(tmp, "train.sh")
        write(script, "#!/usr/bin/env python3\nopen('model.txt', 'w').write('trained\\n')\n")
        os.chmod(script, 0o755)
        env = dict(os.environ, PATH="/usr/bin:/bin")  # env finds the Debian python directly
        run = trace(["./train.sh"], tmp, env=env)
        ok(run)
        assert run.root()["command"] == ["python3", "./train.sh"], commands(run)
        assert_files(run, reads={"train.sh"}, writes={"model.txt"}, opened_only=set())


def test_22_wrapper_command_root_command_is_the_last_exec():
    """roar scenario 22: `env -u PYTHONPATH python3 -c pass`: env execs python3 in the same process, so the
    root's command is python3's argv (README "The report": the last successful exec wins)."""
    with workdir() as tmp:
        argv = ["env", "-u", "PYTHONPATH", python3(), "-c", "pass"]
        run = trace(argv, tmp)
        ok(run)
        assert len(run.processes()) == 1, commands(run)
        assert run.root()["command"] == [python3(), "-c", "pass"], commands(run)


def test_22_short_lived_command_records_its_argv_every_time():
    """roar scenario 22: `/usr/bin/true` five times: the root's argv is recorded every time, however
    quickly the process is gone."""
    true = shutil.which("true", path="/usr/bin:/bin")
    for _ in range(5):
        with workdir() as tmp:
            run = trace([true], tmp)
            ok(run)
            assert [p["command"] for p in run.processes()] == [[true]], commands(run)


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


# ----------------------------------------------------------------------------- recommended

def test_rec_bash_exec_redirect_to_fd_3():
    """`exec 3>out; echo x >&3`: bash opens out, moves it to fd 3 (fcntl F_DUPFD / dup2), and
    the builtin echo writes through fd 3."""
    with workdir() as tmp:
        run = trace(["bash", "-c", "exec 3>out; echo x >&3; echo y >&3"], tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "out")) == b"x\ny\n"
        assert_files(run, reads=set(), writes={"out"}, opened_only=set())


def test_rec_openat_with_a_real_dirfd():
    """openat(dirfd, "in") and openat(dirfd, "out") with dirfd = sub/: the names resolve
    against sub/, not the cwd, which holds decoys with the same names."""
    with workdir() as tmp:
        os.mkdir(os.path.join(tmp, "sub"))
        write(os.path.join(tmp, "in"), b"decoy\n")
        write(os.path.join(tmp, "out"), b"decoy\n")
        write(os.path.join(tmp, "sub/in"), CONTENT)
        code = ("import os\n"
                "d = os.open('sub', os.O_RDONLY | os.O_DIRECTORY)\n"
                "i = os.open('in', os.O_RDONLY, dir_fd=d)\n"
                "data = os.read(i, 4096)\n"
                "o = os.open('out', os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644, dir_fd=d)\n"
                "os.write(o, data)\n")
        run = trace(py(code), tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "sub/out")) == CONTENT
        assert read_bytes(os.path.join(tmp, "out")) == b"decoy\n"
        assert_files(run, reads={"sub/in"}, writes={"sub/out"}, opened_only=set())


def test_rec_threads_write_through_fd_opened_after_they_started():
    """Two python threads start, then the main thread opens out; each thread writes through
    that fd (one fd table shared by all threads): out written, by exactly those two threads."""
    with workdir() as tmp:
        code = ("import os, threading\n"
                "started, opened = threading.Barrier(3), threading.Barrier(3)\n"
                "box = {}\n"
                "tids = []\n"
                "def writer():\n"
                "    tids.append(threading.get_native_id())\n"
                "    started.wait()\n"
                "    opened.wait()\n"
                "    os.write(box['fd'], b'%d\\n' % threading.get_native_id())\n"
                "ts = [threading.Thread(target=writer) for _ in range(2)]\n"
                "for t in ts: t.start()\n"
                "started.wait()\n"
                "box['fd'] = os.open('out', os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND)\n"
                "opened.wait()\n"
                "for t in ts: t.join()\n"
                "print(*sorted(tids))\n")
        run = trace(py(code), tmp)
        ok(run)
        tids = [int(t) for t in run.stdout.split()]
        assert len(set(tids)) == 2 and run.root()["pid"] not in tids, run.stdout
        assert_files(run, reads=set(), writes={"out"}, opened_only=set())
        assert record(run, tmp, "out")["written_threads"] == sorted(tids)


def test_rec_truncate_and_unlink_semantics():
    """README "Semantics": truncate(path) and ftruncate(fd) that succeed are writes (explicit content
    changes); unlink is not a write and names no file (roar's ptrace rule, not preload's)."""
    with workdir() as tmp:
        for name in ("a", "b", "c"):
            write(os.path.join(tmp, name), CONTENT)
        code = ("import os\n"
                "os.truncate('a', 2)\n"
                "fd = os.open('b', os.O_WRONLY)\n"
                "os.ftruncate(fd, 1)\n"
                "os.close(fd)\n"
                "os.unlink('c')\n")
        run = trace(py(code), tmp)
        ok(run)
        assert os.path.getsize(os.path.join(tmp, "a")) == 2
        assert os.path.getsize(os.path.join(tmp, "b")) == 1
        assert_files(run, reads=set(), writes={"a", "b"}, opened_only=set())


def test_rec_cloexec_fd_read_then_number_reused_for_write_after_exec():
    """A reads A on fd N opened O_CLOEXEC, execs; the new image opens B for writing on the
    same N and writes it (fx_paths cloexec-exec read). A must not be written, B not read."""
    with workdir() as tmp:
        write(os.path.join(tmp, "a"), CONTENT)
        run = trace(fxp("cloexec-exec", "read", "a", "b"), tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "b")) == b"new\n"
        assert_files(run, reads={"a"}, writes={"b"}, opened_only=set())
        assert len(run.processes()) == 1
        assert run.root()["command"] == ["fx_paths", "cloexec-reuse", "read",
                                         run.stdout.decode().strip(), "b"]


def test_rec_cloexec_fd_written_then_number_reused_for_read_after_exec():
    """The other direction (fx_paths cloexec-exec write): A written on an O_CLOEXEC fd N, exec,
    B read on the same N. A must not be read, B not written."""
    with workdir() as tmp:
        write(os.path.join(tmp, "b"), CONTENT)
        run = trace(fxp("cloexec-exec", "write", "a", "b"), tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "a")) == b"old\n"
        assert_files(run, reads={"b"}, writes={"a"}, opened_only=set())


def test_rec_dotdot_and_symlinked_directories_are_reported_canonical():
    """Relative and absolute paths through `..`, a symlinked directory and a symlink to a file
    are reported as the kernel's canonical paths: no `..`, no symlink component."""
    with workdir() as tmp:
        os.mkdir(os.path.join(tmp, "real"))
        os.mkdir(os.path.join(tmp, "sub"))
        os.symlink("real", os.path.join(tmp, "link"))
        os.symlink("in.txt", os.path.join(tmp, "in-link.txt"))
        write(os.path.join(tmp, "in.txt"), CONTENT)
        script = ('cat sub/../in.txt > link/out.txt && '
                  'cat "$1/link/../in.txt" > "$1/sub/../abs.txt" && '
                  'cat in-link.txt > "$1/sub/../link/./via-link.txt"')
        run = trace(["sh", "-c", script, "sh", tmp], tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "real/via-link.txt")) == CONTENT
        assert_files(run, reads={"in.txt"}, writes={"real/out.txt", "abs.txt",
                                                    "real/via-link.txt"}, opened_only=set())
        for path in all_paths(run):
            assert "/../" not in path and "/./" not in path, path
            assert not path.startswith(tmp + "/link/") and "in-link" not in path, path


def test_rec_mmap_read_of_own_truncated_fd_is_not_a_read():
    """README "Semantics": mmap(PROT_READ) of an fd the process opened O_RDWR|O_CREAT|O_TRUNC shows only
    what it wrote itself: written, not read (fx_paths mmap-after-write trunc)."""
    with workdir() as tmp:
        write(os.path.join(tmp, "t.bin"), CONTENT * 100)  # old content, truncated away
        run = trace(fxp("mmap-after-write", "t.bin", "trunc"), tmp)
        ok(run)
        assert run.stdout == b"6\n"
        assert_files(run, reads=set(), writes={"t.bin"}, opened_only=set())


def test_rec_mmap_read_of_untruncated_fd_is_a_read():
    """The contrast: the same calls on an fd opened O_RDWR|O_CREAT without O_TRUNC map bytes
    the process did not write: read and written (fx_paths mmap-after-write keep)."""
    with workdir() as tmp:
        write(os.path.join(tmp, "k.bin"), CONTENT * 100)
        run = trace(fxp("mmap-after-write", "k.bin", "keep"), tmp)
        ok(run)
        assert run.stdout == f"{len(CONTENT) * 100}\n".encode()
        assert_files(run, reads={"k.bin"}, writes={"k.bin"}, opened_only=set())


def test_24_directory_as_command_exits_126_with_a_report():
    """README "Usage" and "Failure modes": a directory as the command gives a clear error (126) and a report."""
    with workdir() as tmp:
        os.mkdir(os.path.join(tmp, "adir"))
        os.chmod(os.path.join(tmp, "adir"), stat.S_IRWXU)
        run = trace(["./adir"], tmp)
        assert run.exit_code == 126, run.stderr
        assert run.stderr.startswith("roar-seccomp:") and "adir" in run.stderr, run.stderr
        assert [p["command"] for p in run.processes()] == [["./adir"]]
