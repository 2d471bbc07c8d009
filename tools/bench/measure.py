"""How the benchmark (tools/bench.py) times a workload: rounds of every mode once, the order
rotated each round so that drift of a shared machine spreads over all of them; the median wall
time, its spread and its ratio to the untraced run, and the notifications the floor counted.
"""
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time


FLOOR_STATS = re.compile(rb"roar-bench-floor: (\d+) notifications")


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


# -------------------------------------------------------------------------------- measuring

def run_once(mode, workload, tmp, timeout):
    """Wall time of one run; (seconds, floor notifications or None). Raises on failure."""
    if workload.before_each:
        subprocess.run(workload.before_each, cwd=tmp, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    argv = [*mode.wrap, "bash", "-c", workload.script]
    with tempfile.TemporaryFile(dir=tmp) as err:
        start = time.perf_counter()
        # Its own process group, so that a timeout or ^C ends the whole tree at once: a tracer
        # killed alone would leave the workload running with every traced call failing.
        proc = subprocess.Popen(argv, cwd=tmp, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)

        def kill_tree():
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        # A blocking wait, not Popen.wait(timeout=...): that one polls with sleeps growing to
        # 50 ms, which would round short runs up to the next sleep. A timer enforces the limit.
        timer = threading.Timer(timeout, kill_tree)
        timer.start()
        try:
            status = proc.wait()
        except BaseException:
            kill_tree()
            proc.wait()
            raise
        finally:
            timer.cancel()
        elapsed = time.perf_counter() - start
        if status == -signal.SIGKILL and elapsed >= timeout:
            raise RuntimeError(f"did not finish within {timeout} s")
        err.seek(0)
        stderr = err.read()
    if status != 0:
        tail = stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise RuntimeError(f"exit {status}: {' / '.join(tail)}")
    found = FLOOR_STATS.search(stderr) if mode.key == "floor" else None
    return elapsed, int(found.group(1)) if found else None


def measure(workload, modes, runs, warmup, tmp, timeout):
    """Rounds of every mode once, the order rotated each round; returns per-mode results."""
    results = {m.key: {"times": []} for m in modes}
    counts = []
    for r in range(warmup + runs):
        order = modes[r % len(modes):] + modes[:r % len(modes)]
        done = []
        for mode in order:
            res = results[mode.key]
            if "error" in res:
                continue
            try:
                elapsed, count = run_once(mode, workload, tmp, timeout)
            except (RuntimeError, subprocess.CalledProcessError) as e:
                res["error"] = str(e)
                log(f"  {workload.key} / {mode.label}: failed: {e}")
                continue
            if r >= warmup:
                res["times"].append(elapsed)
                if count is not None:
                    counts.append(count)
            done.append(f"{mode.label} {elapsed:.3f}")
        log(f"  {'warm-up' if r < warmup else f'round {r - warmup + 1}'}: {', '.join(done)}")
    for res in results.values():
        t = res["times"]
        if t and "error" not in res:
            res["median"] = statistics.median(t)
            res["min"], res["max"] = min(t), max(t)
    base = results.get("untraced", {}).get("median")
    for res in results.values():
        if base and "median" in res:
            res["ratio"] = res["median"] / base
    return results, (int(statistics.median(counts)) if counts else None)
