"""The benchmark (tools/bench.py) runs once at a tiny scale: a smoke check that every workload and
mode still runs and that the JSON is complete. Times on a shared machine mean nothing here, so
none is asserted.

ctest sets ROAR_BENCH (the script in the source tree), ROAR_BENCH_FLOOR and ROAR_BENCH_PREAD (its
helpers in the build tree); they are not staged for the unprivileged variant, which uses them in
place when user nobody can read them.
"""
import json
import math
import os
import subprocess
import sys

from roartest import SANITIZED, TRACER, skip, workdir

WORKLOADS = {"pread", "cat", "tar", "gcc", "true", "pair", "busybox", "build"}
MODES = {"untraced", "roar", "roar-nofast", "floor", "strace", "strace-bpf"}
# What the build always provides; the rest may be missing on a machine (strace, busybox, a
# tracer without --fast-path) and must then say why. Likewise for workloads.
REQUIRED_MODES = {"untraced", "roar", "floor"}


def bench_inputs():
    paths = {name: os.environ.get(name, "") for name in
             ("ROAR_BENCH", "ROAR_BENCH_FLOOR", "ROAR_BENCH_PREAD", "ROAR_SECCOMP_FILTER")}
    if not TRACER or not all(paths.values()):
        skip("ROAR_SECCOMP and ROAR_BENCH* are not set: run the scenarios through ctest")
    for name, path in paths.items():
        mode = os.R_OK if name == "ROAR_BENCH" else os.X_OK
        if not os.access(path, mode):
            skip(f"{name}={path} is not usable by uid {os.geteuid()} (the source and build "
                 f"trees are not staged for the unprivileged variant)")
    return paths


def test_benchmark_runs_at_tiny_scale():
    paths = bench_inputs()
    argv = [sys.executable, paths["ROAR_BENCH"], "--scale", "tiny", "--runs", "1", "--json", "-",
            "--tracer", TRACER, "--filter-tool", paths["ROAR_SECCOMP_FILTER"],
            "--floor", paths["ROAR_BENCH_FLOOR"], "--pread", paths["ROAR_BENCH_PREAD"]]
    with workdir() as tmp:
        proc = subprocess.run(argv, cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=240 if SANITIZED else 120)
    err = proc.stderr.decode(errors="replace")
    assert proc.returncode == 0, f"exit {proc.returncode}; stderr:\n{err}"
    data = json.loads(proc.stdout)

    assert set(data["modes"]) == MODES, data["modes"].keys()
    for key, mode in data["modes"].items():
        assert mode["available"] or mode["note"], (key, mode)
        if key in REQUIRED_MODES:
            assert mode["available"], (key, mode)
    live = {k for k, m in data["modes"].items() if m["available"]}

    assert set(data["workloads"]) == WORKLOADS, data["workloads"].keys()
    for key, w in data["workloads"].items():
        if key in ("pread", "pair"):  # the benchmark's own helper: always there
            assert w["available"], (key, w)
        if not w["available"]:
            assert w["note"], (key, w)
            continue
        assert set(w["results"]) == live, (key, w["results"].keys())
        for mode, res in w["results"].items():
            assert "error" not in res, (key, mode, res)
            assert len(res["times"]) == 1 and res["median"] > 0, (key, mode, res)
        assert w["notifications"] > 0, (key, w)  # counted by the floor

    assert set(data["parallel_pair"]) == live, data["parallel_pair"]
    geo = data["overhead_geomean"]
    assert isinstance(geo, float) and math.isfinite(geo) and geo > 0, geo
    last = err.strip().splitlines()[-1]
    assert last == f"overhead_geomean={geo:.2f}", last
    assert "| workload | untraced | roar-seccomp |" in err, err


def test_benchmark_runs_a_baseline_beside_the_tracer():
    """--baseline adds another tracer's modes to every round, for a before and after in one run;
    the baseline modes without it are an error."""
    paths = bench_inputs()
    argv = [sys.executable, paths["ROAR_BENCH"], "--scale", "tiny", "--runs", "1",
            "--only", "cat,true", "--modes", "roar,roar-nofast", "--tracer", TRACER,
            "--filter-tool", paths["ROAR_SECCOMP_FILTER"], "--floor", paths["ROAR_BENCH_FLOOR"],
            "--pread", paths["ROAR_BENCH_PREAD"]]
    with workdir() as tmp:
        proc = subprocess.run([*argv, "--baseline", TRACER, "--json", "-"], cwd=tmp,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=240 if SANITIZED else 120)
        refused = subprocess.run([*argv, "--modes", "baseline"], cwd=tmp,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    err = proc.stderr.decode(errors="replace")
    assert proc.returncode == 0, f"exit {proc.returncode}; stderr:\n{err}"
    data = json.loads(proc.stdout)
    assert list(data["modes"]) == ["untraced", "roar", "roar-nofast", "baseline",
                                   "baseline-nofast"], data["modes"].keys()
    for key in ("cat", "true"):
        results = data["workloads"][key]["results"]
        assert set(results) == set(data["modes"]), results.keys()
        assert all("median" in r for r in results.values()), results
    assert "| baseline | baseline, fast path off |" in err, err
    assert refused.returncode == 2, refused
    assert b"--baseline" in refused.stderr, refused.stderr
