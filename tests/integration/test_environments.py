"""Restricted environments (README "Where it works"): the tracer itself runs inside a user
namespace (`unshare -Ur`), inside a bubblewrap sandbox (`bwrap --dev-bind / / --unshare-user
--unshare-pid`, as given in the issue, and the same with a /proc of its own), and under an outer
seccomp filter like a container runtime's default profile (fx_sandbox container: ptrace,
process_vm_readv, process_vm_writev, bpf and perf_event_open fail with EPERM). The unprivileged
CTest variant of every scenario covers "as an ordinary user".

In each environment the same core scenarios run (a child copying a file, descriptors inherited
from the caller, a descriptor number reused for another file, rename and link, an exit status,
a missing command) with exact read and written sets, processes and thread ids, no warnings, a
complete report, and a successful `--preflight --json`.

Where the supervisor may not read the traced memory (simulated with the tracer's test-only
ROAR_SECCOMP_TEST_FAULTS=memory), fd-based attribution stays exact, the path arguments of rename
and link are lost, and the report's warnings say so. Without pidfds and kcmp
(ROAR_SECCOMP_TEST_FAULTS=pidfd,kcmp) nothing is lost. A real case of unreadable memory: a traced
program that makes itself non-dumpable, run by a supervisor without CAP_SYS_PTRACE (the
unprivileged variant); whatever it loses there must be named in the warnings.

Also: a traced command that itself starts a bubblewrap sandbox, and the container profile run
inside a user namespace (rootless containers).

Not covered: a real Yama ptrace_scope 2/3 (a machine-wide setting a test must not change), and a
real container runtime (the fixture installs the same kind of filter one would).
"""
import json
import os
import re
import subprocess

import roartest
from roartest import (assert_files, fixture, fx_program, need_tool, read_bytes, record, skip,
                      summary, trace_under, usable_prefix, workdir, write)

CONTENT = b"gamma\nalpha\nbeta\n"
MEMORY_WARNING = "could not read a traced process's memory"


# ----------------------------------------------------------------------------- local helpers

def preflight_under(prefix, env=None):
    """`PREFIX... TRACER --preflight --json`: (exit status, the one JSON object, stderr)."""
    if not roartest.TRACER:
        skip("ROAR_SECCOMP is not set: run the scenarios through ctest")
    proc = subprocess.run([*prefix, roartest.TRACER, "--preflight", "--json"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=240)
    lines = proc.stdout.decode(errors="replace").splitlines()
    assert len(lines) == 1, f"--preflight --json prints one line: {lines!r}; stderr {proc.stderr!r}"
    return proc.returncode, json.loads(lines[0]), proc.stderr.decode(errors="replace")


def ok(run, scenario):
    assert run.exit_code == 0, f"[{scenario}] exit {run.exit_code}; stderr: {run.stderr}"


def process_with(run, command):
    found = [p for p in run.processes() if p["command"] == command]
    assert len(found) == 1, f"one process running {command}: {summary(run)}"
    return found[0]


def nothing_lost(run, scenario):
    """A report of an environment where tracing fully works: complete, without warnings."""
    assert run.report.get("complete") is True, \
        f"[{scenario}] complete is {run.report.get('complete')!r}: {run.warnings()}"
    assert run.warnings() == [], f"[{scenario}] unexpected warnings: {run.warnings()}"


# ----------------------------------------------------------------------------- core scenarios
# Each takes `t(cmd, cwd, **kwargs) -> Run`, the tracer as started in the environment.

def core_copy_through_a_child(t, clean=True):
    name = "copy through a child"
    with workdir() as tmp:
        write(os.path.join(tmp, "in"), CONTENT)
        argv = ["sh", "-c", "cat in > out; true"]
        run = t(argv, tmp)
        ok(run, name)
        assert read_bytes(os.path.join(tmp, "out")) == CONTENT
        assert_files(run, reads={"in"}, writes={"out"}, opened_only=set())
        procs = run.processes()
        assert len(procs) == 2, f"[{name}] {summary(run)}"
        root = run.root()
        assert root["command"] == argv, f"[{name}] {summary(run)}"
        cat = process_with(run, ["cat", "in"])
        assert cat["parent_pid"] == root["pid"], f"[{name}] {summary(run)}"
        assert record(run, tmp, "in")["read_threads"] == [cat["pid"]]
        assert record(run, tmp, "out")["written_threads"] == [cat["pid"]]
        if clean:
            nothing_lost(run, name)


def core_inherited_descriptors(t, clean=True):
    name = "descriptors inherited from the caller"
    with workdir() as tmp:
        write(os.path.join(tmp, "in"), CONTENT)
        with open(os.path.join(tmp, "in"), "rb") as src, \
                open(os.path.join(tmp, "sorted"), "wb") as dst:
            run = t(["sort"], tmp, stdin=src, stdout=dst)
        ok(run, name)
        assert read_bytes(os.path.join(tmp, "sorted")) == b"alpha\nbeta\ngamma\n"
        assert_files(run, reads={"in"}, writes={"sorted"}, opened_only=set())
        pid = run.root()["pid"]
        assert record(run, tmp, "in")["read_threads"] == [pid]
        assert record(run, tmp, "sorted")["written_threads"] == [pid]
        if clean:
            nothing_lost(run, name)


def core_descriptor_reused(t, clean=True):
    name = "a descriptor number reused for another file"
    with workdir() as tmp:
        write(os.path.join(tmp, "a"), CONTENT)
        # dup3(M, N) closes A on N; B is then written through N.
        run = t(fx_program("fx_fds", "dup2-reuse", "a", "b"), tmp)
        ok(run, name)
        assert read_bytes(os.path.join(tmp, "b")) == b"new\n"
        assert_files(run, reads={"a"}, writes={"b"}, opened_only=set())
        if clean:
            nothing_lost(run, name)


def core_rename_and_link(t, clean=True):
    name = "rename and link"
    with workdir() as tmp:
        run = t(["sh", "-c", "printf new > tmpf && mv tmpf final && ln final hard"], tmp)
        ok(run, name)
        assert read_bytes(os.path.join(tmp, "hard")) == b"new"
        # The destinations of rename and link are known only from path arguments, which the
        # supervisor reads from the traced memory.
        assert_files(run, reads=set(), writes={"tmpf", "final", "hard"}, opened_only=set())
        mv = process_with(run, ["mv", "tmpf", "final"])
        ln = process_with(run, ["ln", "final", "hard"])
        assert record(run, tmp, "final")["written_threads"] == [mv["pid"]]
        assert record(run, tmp, "hard")["written_threads"] == [ln["pid"]]
        if clean:
            nothing_lost(run, name)


def core_exit_status(t, clean=True):
    name = "exit status"
    with workdir() as tmp:
        run = t(["sh", "-c", "echo x > w; exit 3"], tmp)
        assert run.exit_code == 3, f"[{name}] exit {run.exit_code}; stderr: {run.stderr}"
        assert_files(run, reads=set(), writes={"w"}, opened_only=set())
        assert len(run.processes()) == 1, f"[{name}] {summary(run)}"
        if clean:
            nothing_lost(run, name)


def core_missing_command(t, clean=True):
    name = "missing command"
    with workdir() as tmp:
        missing = "roar-seccomp-no-such-program"
        run = t([missing, "arg"], tmp)
        assert run.exit_code == 127, f"[{name}] exit {run.exit_code}; stderr: {run.stderr}"
        assert "roar-seccomp:" in run.stderr and missing in run.stderr \
            and "not found" in run.stderr, run.stderr
        assert run.root()["command"] == [missing, "arg"], f"[{name}] {summary(run)}"
        assert_files(run, reads=set(), writes=set(), opened_only=set())


CORE = [core_copy_through_a_child, core_inherited_descriptors, core_descriptor_reused,
        core_rename_and_link, core_exit_status, core_missing_command]


def excerpt(run):
    """What a failure message needs from a run: status, processes, files, warnings, stderr."""
    if run is None:
        return "(no run)"
    if run.report is None:
        return f"exit {run.exit_code}; no report; stderr: {run.stderr}"
    files = [(f["path"], f["read"], f["written"]) for f in run.report.get("files", [])
             if not str(f["path"]).startswith(("/usr/", "/lib", "/etc/", "/proc/"))]
    return (f"exit {run.exit_code}; processes {summary(run)}; files {files}; "
            f"complete {run.report.get('complete')!r}; warnings {run.warnings()}; "
            f"stderr: {run.stderr}")


def run_scenarios(scenarios, prefix, env=None, clean=True):
    """Runs `scenarios` with the tracer started through `prefix`; a failure names the scenario
    and the environment and shows the report of the run that failed."""
    last = {}

    def t(cmd, cwd, **kwargs):
        last["run"] = trace_under(prefix, cmd, cwd, env=env, **kwargs)
        return last["run"]
    where = " ".join(prefix) or "no prefix"
    if env is not None and env.get("ROAR_SECCOMP_TEST_FAULTS"):
        where += f" with ROAR_SECCOMP_TEST_FAULTS={env['ROAR_SECCOMP_TEST_FAULTS']}"
    for scenario in scenarios:
        last.clear()
        try:
            scenario(t, clean=clean)
        except AssertionError as e:
            raise AssertionError(f"{scenario.__name__} ({where}): {e}\n"
                                 f"report excerpt: {excerpt(last.get('run'))}") from e


def run_core_scenarios(prefix, env=None):
    """Every core scenario with the tracer started through `prefix`, then its preflight."""
    run_scenarios(CORE, prefix, env)
    code, result, err = preflight_under(prefix, env=env)
    assert code == 0 and result["ok"] is True, f"preflight: exit {code}: {result}; {err}"


# ----------------------------------------------------------------------------- environments

def test_core_scenarios_inside_a_user_namespace():
    unshare = need_tool("unshare")
    run_core_scenarios(usable_prefix([unshare, "-Ur"], "a user namespace (unshare -Ur)"))


def test_core_scenarios_inside_a_user_and_pid_namespace_with_its_own_proc():
    unshare = need_tool("unshare")
    prefix = usable_prefix([unshare, "-Ur", "--pid", "--fork", "--mount-proc"],
                           "a user and pid namespace (unshare -Ur --pid --fork --mount-proc)")
    run_core_scenarios(prefix)


def test_core_scenarios_inside_bubblewrap():
    # The command line: the host's /proc stays mounted (--dev-bind / /) while the
    # tracer runs in a new pid namespace, so /proc/PID names other processes than the pids the
    # tracer sees.
    bwrap = need_tool("bwrap")
    prefix = usable_prefix([bwrap, "--dev-bind", "/", "/", "--unshare-user", "--unshare-pid"],
                           "bubblewrap (bwrap --unshare-user --unshare-pid)")
    run_core_scenarios(prefix)


def test_core_scenarios_inside_bubblewrap_with_its_own_proc():
    bwrap = need_tool("bwrap")
    prefix = usable_prefix([bwrap, "--dev-bind", "/", "/", "--proc", "/proc", "--unshare-user",
                            "--unshare-pid"],
                           "bubblewrap (bwrap --proc /proc --unshare-user --unshare-pid)")
    run_core_scenarios(prefix)


def container_prefix():
    return usable_prefix([fixture("fx_sandbox"), "container", "--"],
                         "an outer seccomp filter (fx_sandbox container)")


def test_container_profile_denies_what_it_claims():
    """The fixture's container profile makes the five calls fail with EPERM and nothing else."""
    prefix = container_prefix()
    code = (
        "import ctypes, errno, json, os\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "def call(nr, *args):\n"
        "    r = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])\n"
        "    return r, ctypes.get_errno()\n"
        # ptrace(PTRACE_PEEKDATA) of the parent, process_vm_readv/writev with empty vectors of
        # the parent, bpf(BPF_PROG_LOAD) with no attributes, perf_event_open with no attributes.
        "ppid = os.getppid()\n"
        "out = {}\n"
        "for name, nr, args in [('ptrace', 101, (2, ppid, 0, 0)),\n"
        "                       ('process_vm_readv', 310, (ppid, 0, 0, 0, 0, 0)),\n"
        "                       ('process_vm_writev', 311, (ppid, 0, 0, 0, 0, 0)),\n"
        "                       ('bpf', 321, (5, 0, 0)),\n"
        "                       ('perf_event_open', 298, (0, 0, -1, -1, 0)),\n"
        "                       ('getpid', 39, ())]:\n"
        "    r, e = call(nr, *args)\n"
        "    out[name] = 'EPERM' if r == -1 and e == errno.EPERM else f'{r}/{e}'\n"
        "print(json.dumps(out))\n")
    proc = subprocess.run([*prefix, roartest.python3(), "-I", "-c", code],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    for name in ("ptrace", "process_vm_readv", "process_vm_writev", "bpf", "perf_event_open"):
        assert result[name] == "EPERM", result
    assert result["getpid"] != "EPERM" and not result["getpid"].startswith("-1/"), result


def test_core_scenarios_under_a_container_seccomp_profile():
    # process_vm_readv is denied: the supervisor reads path arguments through /proc/PID/mem, so
    # rename and link destinations are still recorded and no warning is due.
    run_core_scenarios(container_prefix())


def test_core_scenarios_in_a_user_namespace_under_a_container_profile():
    # Rootless container runtimes: a user namespace and a default seccomp profile together.
    unshare = need_tool("unshare")
    prefix = usable_prefix([unshare, "-Ur"], "a user namespace (unshare -Ur)")
    run_core_scenarios(prefix + container_prefix())


def test_traced_command_runs_bubblewrap():
    # The other way round: a traced job that starts a sandbox (a user and pid namespace of its
    # own). Every process appears under its pid outside the namespace.
    bwrap = need_tool("bwrap")
    prefix = usable_prefix([bwrap, "--dev-bind", "/", "/", "--unshare-user", "--unshare-pid"],
                           "bubblewrap (bwrap --unshare-user --unshare-pid)")
    with workdir() as tmp:
        write(os.path.join(tmp, "in"), CONTENT)
        script = "cat in > out; true"
        run = trace_under([], [*prefix, "sh", "-c", script], tmp)
        ok(run, "traced bwrap")
        assert read_bytes(os.path.join(tmp, "out")) == CONTENT
        assert_files(run, reads={"in"}, writes={"out"}, opened_only=set())
        sh = process_with(run, ["sh", "-c", script])
        cat = process_with(run, ["cat", "in"])
        assert cat["parent_pid"] == sh["pid"], summary(run)
        assert record(run, tmp, "in")["read_threads"] == [cat["pid"]]
        assert record(run, tmp, "out")["written_threads"] == [cat["pid"]]
        nothing_lost(run, "traced bwrap")


# ----------------------------------------------------------------------------- degraded access

def fault_env(faults):
    env = dict(os.environ)
    env["ROAR_SECCOMP_TEST_FAULTS"] = faults
    return env


def memory_warning(run):
    found = [w for w in run.warnings() if w.startswith(MEMORY_WARNING)]
    assert len(found) == 1, f"one memory warning expected: {run.warnings()}"
    return found[0]


def test_unreadable_memory_keeps_fd_attribution_and_says_what_was_lost():
    env = fault_env("memory")
    with workdir() as tmp:
        write(os.path.join(tmp, "in"), CONTENT)
        argv = ["sh", "-c", "cat in > out && printf new > tmpf && mv tmpf final && ln out hard"]
        run = trace_under([], argv, tmp, env=env)
        ok(run, "memory")
        assert read_bytes(os.path.join(tmp, "final")) == b"new"
        assert read_bytes(os.path.join(tmp, "hard")) == CONTENT
        # Through descriptors: exact. Through path arguments (rename, link): lost.
        assert_files(run, reads={"in"}, writes={"out", "tmpf"}, opened_only=set())
        cat = process_with(run, ["cat", "in"])
        assert cat["parent_pid"] == run.root()["pid"], summary(run)
        assert record(run, tmp, "in")["read_threads"] == [cat["pid"]]
        assert record(run, tmp, "out")["written_threads"] == [cat["pid"]]
        assert record(run, tmp, "tmpf")["written_threads"] == [run.root()["pid"]]
        # A rename and a link whose names were not seen: the report cannot be complete.
        assert run.report.get("complete") is False, run.report.get("complete")
        warning = memory_warning(run)
        for lost in ("rename", "link"):
            assert re.search(rf"\b{lost}\b", warning), \
                f"the warning does not name {lost}: {warning}"


def test_unreadable_memory_fd_scenarios_stay_exact():
    # Nothing in these needs a path argument, so the sets stay exact (warnings may still come,
    # from calls whose path arguments could not be read, such as ld.so's).
    run_scenarios([core_copy_through_a_child, core_inherited_descriptors, core_descriptor_reused,
                   core_exit_status, core_missing_command], [], env=fault_env("memory"),
                  clean=False)


def test_without_pidfds_and_kcmp_nothing_is_lost():
    run_scenarios(CORE, [], env=fault_env("pidfd,kcmp"))


def test_all_faults_together_keep_fd_attribution():
    env = fault_env("memory,pidfd,kcmp")
    run_scenarios([core_copy_through_a_child, core_descriptor_reused], [], env=env, clean=False)
    with workdir() as tmp:
        run = trace_under([], ["sh", "-c", "printf new > tmpf && mv tmpf final"], tmp, env=env)
        ok(run, "all faults")
        assert_files(run, reads=set(), writes={"tmpf"}, opened_only=set())
        memory_warning(run)


def has_cap_sys_ptrace():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("CapEff:"):
                return bool(int(line.split()[1], 16) & (1 << 19))
    return False


def test_non_dumpable_traced_program():
    # A program that makes itself non-dumpable (as ssh-agent and gpg-agent do): without
    # CAP_SYS_PTRACE the supervisor may read neither its memory nor (the kernel checks
    # dumpability for /proc/PID/fd too) its descriptors. With CAP_SYS_PTRACE nothing is lost.
    # Without it, what is lost must be said: rename and link destinations only with the memory
    # warning, reads and writes through descriptors only with a warning about descriptors.
    code = (
        "import ctypes, os\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "assert libc.prctl(4, 0, 0, 0, 0) == 0\n"  # PR_SET_DUMPABLE, 0
        "with open('in', 'rb') as f:\n"
        "    data = f.read()\n"
        "with open('tmpf', 'wb') as f:\n"
        "    f.write(data)\n"
        "os.rename('tmpf', 'final')\n"
        "os.link('final', 'hard')\n")
    with workdir() as tmp:
        write(os.path.join(tmp, "in"), CONTENT)
        run = trace_under([], [roartest.python3(), "-I", "-c", code], tmp)
        ok(run, "non-dumpable")
        assert read_bytes(os.path.join(tmp, "hard")) == CONTENT
        where = f"report excerpt: {excerpt(run)}"
        if has_cap_sys_ptrace():
            assert_files(run, reads={"in"}, writes={"tmpf", "final", "hard"}, opened_only=set())
            nothing_lost(run, "non-dumpable, with CAP_SYS_PTRACE")
            return
        assert run.reads() <= {"in"} and run.writes() <= {"tmpf", "final", "hard"}, where
        if run.reads() != {"in"} or "tmpf" not in run.writes():
            said = [w for w in run.warnings() if re.search(r"descriptor|\bfds?\b", w)]
            assert said, f"reads and writes through descriptors were lost without a warning " \
                         f"that says so: {where}"
        if not {"final", "hard"} <= run.writes():
            memory_warning(run)
