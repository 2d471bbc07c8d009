"""Load (README "Failure modes": thousands of processes, hundreds of threads, hundreds of thousands of files and
millions of system calls in one run, with memory proportional to distinct files and processes,
not to system calls). Nothing here is timed; the scales are chosen so that the load scenarios
fit the suite's budget on the 2-vCPU CI VM, where one traced call costs about 15-25 µs. They are
smaller where noted when the tracer is built with sanitizers (ROAR_SANITIZE set:
roartest.SANITIZED), and for the system calls in the unprivileged variant.

Scales (as root / unprivileged / sanitized):
  processes       5,000 forked children, each writes its own file
  threads         200 threads started together, each writes and reads its own file
  files           100,000 / 100,000 / 25,000 files written by one process, then read back
  system calls    10,000,000 / 2,000,000 / 250,000 traced calls, after a tenth of that for the
                  memory baseline (about 200 s for the full run on the CI VM; CTest allows it
                  longer than the other scenarios). ROAR_LOAD_SYSCALLS=N runs N instead.

The tracer's peak memory is what it prints with -v ("peak memory N KiB"): its ru_maxrss. Linux
carries ru_maxrss across exec(2) from the process that exec'd, so those runs start the tracer
from fx_load's small `launch` process instead of from this Python (whose ~10 MiB would
otherwise hide the tracer's own few MiB).
"""
import os
import re
import shutil
import subprocess
import tempfile

import msgpack

import roartest
from roartest import SANITIZED, assert_files, fx_program, trace, workdir, write

PROCESSES = 5_000
THREADS = 200
FILES = 25_000 if SANITIZED else 100_000
SYSCALLS = int(os.environ.get("ROAR_LOAD_SYSCALLS") or
               (250_000 if SANITIZED else 2_000_000 if roartest.unprivileged() else 10_000_000))
CALLER_THREADS = 4


# ----------------------------------------------------------------------------- local helpers

def ok(run):
    assert run.exit_code == 0, f"exit {run.exit_code}; stderr: {run.stderr[-4000:]}"


def trace_launched(cmd, cwd, timeout=280, env=None):
    """Like roartest.trace(cmd, cwd, tracer_args=["-v"]), but the tracer is exec'd by
    `fx_load launch` so that its reported peak memory is its own."""
    if not roartest.TRACER:
        roartest.skip("ROAR_SECCOMP is not set: run the scenarios through ctest")
    report_dir = tempfile.mkdtemp(prefix="roar-report-")
    report = os.path.join(report_dir, "report.msgpack")
    argv = fx_program("fx_load", "launch", roartest.TRACER, "-v", report, "--", *cmd)
    try:
        proc = subprocess.run(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        if not os.path.exists(report):
            raise AssertionError(f"no report; exit {proc.returncode}; stderr: {proc.stderr!r}")
        with open(report, "rb") as f:
            raw = f.read()
        decoded = msgpack.unpackb(raw, raw=False)
        roartest.check_invariants(decoded)
        return roartest.Run(proc, decoded, raw, cwd)
    finally:
        shutil.rmtree(report_dir, ignore_errors=True)


def peak_kib(run):
    found = re.findall(r"peak memory (\d+) KiB; (\d+) processes, (\d+) files", run.stderr)
    assert len(found) == 1, f"no peak memory line in: {run.stderr[-2000:]}"
    return int(found[0][0])


def summary(run, limit=10):
    procs = run.processes()
    return [(p["pid"], p["parent_pid"], p["command"]) for p in procs[:limit]] + \
        ([f"... {len(procs) - limit} more"] if len(procs) > limit else [])


# ----------------------------------------------------------------------------- scenarios

def test_five_thousand_processes_each_write_a_file():
    """5,000 children forked one after another (also with sanitizers); child I writes c_I.
    Every child appears once with the root as its parent, and every file is written."""
    with workdir() as tmp:
        run = trace(fx_program("fx_load", "spawn", tmp, str(PROCESSES)), tmp)
        ok(run)
        pids = [int(line) for line in run.stdout.split()]
        assert len(pids) == PROCESSES and len(set(pids)) == PROCESSES, "fixture output"
        root = run.root()
        procs = {p["pid"]: p for p in run.processes()}
        missing = set(pids) - set(procs)
        assert not missing, f"{len(missing)} children are missing, e.g. {sorted(missing)[:10]}"
        assert set(procs) == {root["pid"], *pids}, \
            f"unexpected processes: {sorted(set(procs) - {root['pid'], *pids})[:10]}"
        wrong_parent = [p for p in pids if procs[p]["parent_pid"] != root["pid"]]
        assert not wrong_parent, f"children with another parent: {wrong_parent[:10]}"
        names = {f"c_{i}" for i in range(PROCESSES)}
        assert_files(run, reads=set(), writes=names, opened_only=set())
        # Each file is written by the child that wrote it (pids are printed in order).
        files = run.files()
        wrong_thread = [i for i, pid in enumerate(pids)
                        if files[os.path.join(tmp, f"c_{i}")].get("written_threads") != [pid]]
        assert not wrong_thread, f"files attributed to another thread: c_{wrong_thread[:10]}"


def test_two_hundred_threads_doing_io_at_once():
    """200 threads start together behind a barrier; each writes and reads back its own file
    3 times and preads `shared`. Exact sets, 200 distinct thread ids, each file attributed to
    exactly its own thread."""
    with workdir() as tmp:
        write(os.path.join(tmp, "shared"), "abcdef")
        run = trace(fx_program("fx_signals", "threads", tmp, str(THREADS), "3", "none"), tmp)
        ok(run)
        tids = dict(line.split() for line in run.stdout.decode().splitlines()
                    if line.startswith("t_"))
        names = {f"t_{i}" for i in range(THREADS)}
        assert set(tids) == names, run.stdout[:2000]
        assert len(set(tids.values())) == THREADS, "thread ids are not distinct"
        assert_files(run, reads=names | {"shared"}, writes=names, opened_only=set())
        files = run.files()
        for name, tid in tids.items():
            rec = files[os.path.join(tmp, name)]
            assert rec.get("read_threads") == [int(tid)], (name, tid, rec)
            assert rec.get("written_threads") == [int(tid)], (name, tid, rec)
        shared = files[os.path.join(tmp, "shared")]
        assert sorted(shared.get("read_threads", [])) == sorted(int(t) for t in tids.values())
        assert len(run.processes()) == 1, summary(run)


def test_one_hundred_thousand_files_written_then_read():
    """One process writes 100,000 small files (25,000 with sanitizers) under files/, then
    reads each back: every one is both read and written, nothing else is."""
    with workdir() as tmp:
        run = trace(fx_program("fx_load", "many-files", tmp, str(FILES)), tmp)
        ok(run)
        names = {f"files/f_{i}" for i in range(FILES)}
        got_r, got_w = run.reads(), run.writes()
        assert got_r == names, \
            f"read: {len(names - got_r)} missing (e.g. {sorted(names - got_r)[:5]}), " \
            f"{len(got_r - names)} extra (e.g. {sorted(got_r - names)[:5]})"
        assert got_w == names, \
            f"written: {len(names - got_w)} missing (e.g. {sorted(names - got_w)[:5]}), " \
            f"{len(got_w - names)} extra (e.g. {sorted(got_w - names)[:5]})"
        assert run.opened() - names == set(), sorted(run.opened() - names)[:10]


def test_millions_of_traced_syscalls_in_memory_independent_of_their_number():
    """4 threads make 10,000,000 traced calls (fewer unprivileged and with sanitizers, see the
    module's scales), alternating a 1-byte pread64 of `input` and a 1-byte
    pwrite64 of `output`, after a run of a tenth as many calls over the same files. Both runs
    succeed with exact sets, and the tracer's peak memory for ten times the calls is at most
    25% + 4 MiB above the smaller run's: memory follows files and processes, not calls.

    With sanitizers, AddressSanitizer keeps freed blocks in a quarantine (256 MiB by default),
    so every short-lived allocation (a path string per notification) would look like growth;
    these runs turn the quarantine off (ASAN_OPTIONS=quarantine_size_mb=0)."""
    small_calls = SYSCALLS // 10
    env = None
    if SANITIZED:
        options = os.environ.get("ASAN_OPTIONS", "")
        env = dict(os.environ, ASAN_OPTIONS=(options + ":" if options else "") +
                   "quarantine_size_mb=0")
    with workdir() as tmp:
        write(os.path.join(tmp, "input"), "0123456789")
        peaks = {}
        for calls in (small_calls, SYSCALLS):
            run = trace_launched(fx_program("fx_load", "syscalls", tmp, str(calls),
                                            str(CALLER_THREADS)),
                                 tmp, env=env, timeout=280 + calls // 10_000)
            ok(run)
            assert_files(run, reads={"input"}, writes={"output"}, opened_only=set())
            files = run.files()
            readers = files[os.path.join(tmp, "input")].get("read_threads", [])
            writers = files[os.path.join(tmp, "output")].get("written_threads", [])
            assert len(set(readers)) == CALLER_THREADS and sorted(readers) == sorted(writers), \
                (readers, writers)
            peaks[calls] = peak_kib(run)
        small, big = peaks[small_calls], peaks[SYSCALLS]
        print(f"peak memory: {small} KiB for {small_calls} calls, {big} KiB for {SYSCALLS}")
        assert big <= small * 1.25 + 4096, \
            f"peak memory {big} KiB for {SYSCALLS} calls vs {small} KiB for {small_calls}"
