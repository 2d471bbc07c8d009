#!/usr/bin/env python3
"""The project's benchmark: each workload untraced, under roar-seccomp (fast path on and off), under
the floor supervisor, under `strace -f` and `strace -f --seccomp-bpf` (tracing the same system
calls), as median wall time, spread and ratio to the untraced run.

Modes alternate within each round, so drift of a shared machine spreads over all of them. The
workloads run as `bash -c WORKLOAD` in a scratch directory:

  pread     one process making 1,000,000 one-byte preads of a file (tools/bench/bench_pread.cpp)
  cat       cat of a 200 MB file > /dev/null
  tar       tar cf - -C /usr include | cat > /dev/null
  gcc       gcc -O2 -c of a generated 4,000-line C file
  true      500 x /bin/true from bash
  pair      two processes making 500,000 preads each at the same time (compared with `pread`)
  busybox   busybox sh -c 'busybox cat FILE | busybox wc -c' (Debian's busybox-static)
  build     cmake --build of one target of this project, from clean (configured once, untimed)

The first five are the headline: the last line is `overhead_geomean=X.XX`, the geometric mean of
roar-seccomp's ratios to untraced over them. The floor (roar-bench-floor) answers every
notification with CONTINUE at once; it loads the filter roar-seccomp-filter --bpf prints, so the
same calls notify, and shows what any tracer built on seccomp user notification must pay.

  tools/bench.py [--build-dir build/dev] [--runs 5] [--scale full|tiny] [--only pread,cat,...]
                 [--modes roar,floor,...] [--json FILE|-]

Prints a Markdown table (the README's), with the date, machine and command. With `--json -` the
JSON goes to stdout and everything else to stderr. `--scale tiny` shrinks every workload so that a
whole run takes seconds: a smoke check, its times mean nothing. Exit status 1 if a run failed.
"""
import argparse
import datetime
import json
import math
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(HERE)

SCALES = {
    "full": {"pread": 1_000_000, "big_mb": 200, "tar": ("/usr", "include"), "gcc_lines": 4000,
             "true": 500, "build_target": "roar_filters", "warmup": 1, "timeout": 3600},
    "tiny": {"pread": 2000, "big_mb": 2, "tar": ("/usr/include", "asm-generic"), "gcc_lines": 40,
             "true": 5, "build_target": "roar-bench-pread", "warmup": 0, "timeout": 120},
}

WORKLOAD_KEYS = ["pread", "cat", "tar", "gcc", "true", "pair", "busybox", "build"]
CORE = ["pread", "cat", "tar", "gcc", "true"]

MODE_KEYS = ["untraced", "roar", "roar-nofast", "floor", "strace", "strace-bpf"]
MODE_LABELS = {"untraced": "untraced", "roar": "roar-seccomp", "roar-nofast": "fast path off",
               "floor": "floor", "strace": "strace -f", "strace-bpf": "strace -f --seccomp-bpf"}

# Used for strace's -e trace= only when roar-seccomp-filter cannot say what the tracer notifies.
FALLBACK_TRACED = ("read,pread64,readv,preadv,preadv2,write,pwrite64,writev,pwritev,pwritev2,"
                   "sendfile,splice,copy_file_range,mmap,close,close_range,dup2,dup3,open,openat,"
                   "creat,openat2,rename,renameat,renameat2,link,linkat,truncate,ftruncate,"
                   "fallocate,execve,execveat,exit,exit_group,io_uring_setup")

FLOOR_STATS = re.compile(rb"roar-bench-floor: (\d+) notifications")


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


def fmt_count(n):
    return f"{n:,}"


# ------------------------------------------------------------------------------ preparation

def write_big(path, megabytes):
    chunk = os.urandom(1 << 20)
    with open(path, "wb") as f:
        for _ in range(megabytes):
            f.write(chunk)


def write_c_unit(path, lines):
    """About `lines` lines of independent functions with loops: -O2 has real work to do."""
    out = ["#include <stdio.h>", "#include <string.h>", ""]
    i = 0
    while len(out) < lines - 9:
        out += [f"int f{i}(const int* v, int n, char* out) {{",
                f"  int s = {i};",
                "  for (int k = 0; k < n; ++k) {",
                f"    s = s * 31 + (v[k] ^ (k << {i % 7 + 1}));",
                f"    if (s % {i % 13 + 3} == 0) s += (int)strlen(out);",
                "  }",
                '  return snprintf(out, 32, "%d:%d", s, n) + s;',
                "}"]
        i += 1
    out.append("int main(void) { return 0; }")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def elf_is_static(path):
    """True when the ELF file has no PT_INTERP program header (no dynamic loader)."""
    try:
        with open(path, "rb") as f:
            head = f.read(64)
            if head[:4] != b"\x7fELF" or head[4] != 2:
                return None
            phoff, = struct.unpack_from("<Q", head, 0x20)
            phentsize, phnum = struct.unpack_from("<HH", head, 0x36)
            f.seek(phoff)
            table = f.read(phentsize * phnum)
        return all(struct.unpack_from("<I", table, i * phentsize)[0] != 3 for i in range(phnum))
    except (OSError, struct.error):
        return None


class Workload:
    def __init__(self, key, label, script, before_each=None, note=None):
        self.key = key
        self.label = label
        self.script = script
        self.before_each = before_each  # untimed command run before every timed run
        self.note = note
        self.unavailable = None  # why it cannot run here


def helper(path, source, tmp, name):
    """The built helper, or one compiled now from its source with the system compiler."""
    if path and os.access(path, os.X_OK):
        return path, None
    cxx = shutil.which("c++") or shutil.which("g++")
    if cxx is None or not os.path.exists(source):
        return None, f"{name} is not built and cannot be compiled here (no c++ or no {source})"
    out = os.path.join(tmp, name)
    proc = subprocess.run([cxx, "-std=c++20", "-O2", "-pthread", source, "-o", out],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        return None, f"{name} is not built and compiling {source} failed: " + \
            proc.stderr.decode(errors="replace").strip()[-300:]
    return out, f"{name} compiled from {source} with {cxx}"


def make_workloads(args, scale, tmp, pread_bin, notes):
    big = os.path.join(tmp, "big.bin")
    one = os.path.join(tmp, "one.bin")
    unit = os.path.join(tmp, "unit.c")
    n = scale["pread"]
    tar_dir, tar_member = scale["tar"]
    tar_path = os.path.join(tar_dir, tar_member)
    q = shlex.quote
    w = {}
    w["pread"] = Workload("pread", f"{fmt_count(n)} one-byte preads",
                          f"{q(pread_bin)} one.bin {n}" if pread_bin else "")
    w["cat"] = Workload("cat", f"cat {scale['big_mb']} MB > /dev/null", "cat big.bin > /dev/null")
    w["tar"] = Workload("tar", f"tar cf - {tar_path} | cat > /dev/null",
                        f"tar cf - -C {q(tar_dir)} {q(tar_member)} | cat > /dev/null")
    w["gcc"] = Workload("gcc", f"gcc -O2 -c ({fmt_count(scale['gcc_lines'])} lines)",
                        "gcc -O2 -c unit.c -o unit.o")
    w["true"] = Workload("true", f"{scale['true']} x /bin/true from bash",
                         f"for ((i = 0; i < {scale['true']}; i++)); do /bin/true; done")
    w["pair"] = Workload("pair", f"2 processes x {fmt_count(n // 2)} preads at once",
                         f"{q(pread_bin)} one.bin {n // 2} 2" if pread_bin else "")
    w["busybox"] = Workload("busybox", f"busybox: cat {scale['big_mb']} MB | wc -c",
                            "busybox sh -c 'busybox cat big.bin | busybox wc -c > /dev/null'")
    build_dir = os.path.join(tmp, "build")
    target = scale["build_target"]
    w["build"] = Workload("build", f"cmake --build ({target}, from clean)",
                          f"cmake --build {q(build_dir)} --target {q(target)} > /dev/null",
                          before_each=["cmake", "--build", build_dir, "--target", "clean"])

    if not pread_bin:
        w["pread"].unavailable = w["pair"].unavailable = "no roar-bench-pread"
    if not os.path.isdir(tar_path) or shutil.which("tar") is None:
        w["tar"].unavailable = f"no tar or no {tar_path}"
    if shutil.which("gcc") is None:
        w["gcc"].unavailable = "no gcc"
    busybox = shutil.which("busybox")
    if busybox is None:
        w["busybox"].unavailable = "no busybox (apt-get install busybox-static)"
    elif elf_is_static(os.path.realpath(busybox)) is False:
        w["busybox"].note = f"{busybox} is dynamically linked, not Debian's busybox-static"
    if shutil.which("cmake") is None:
        w["build"].unavailable = "no cmake"
    elif not os.path.exists(os.path.join(args.source_dir, "CMakeLists.txt")):
        w["build"].unavailable = f"no project source at {args.source_dir}"

    selected = [k for k in WORKLOAD_KEYS if k in args.only]
    if "pair" in selected and "pread" not in selected:
        selected.insert(0, "pread")
        notes.append("pread added: the parallel pair is compared with it")
    chosen = [w[k] for k in selected]

    # Only what the chosen workloads use.
    keys = {x.key for x in chosen if not x.unavailable}
    if keys & {"cat", "busybox"}:
        write_big(big, scale["big_mb"])
    if keys & {"pread", "pair"}:
        with open(one, "wb") as f:
            f.write(b"roar-bench\n")
    if "gcc" in keys:
        write_c_unit(unit, scale["gcc_lines"])
    if "build" in keys:
        generator = ["-G", "Ninja"] if shutil.which("ninja") else []
        configure = ["cmake", "-S", args.source_dir, "-B", build_dir, *generator,
                     "-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DROAR_BUILD_TESTS=OFF"]
        proc = subprocess.run(configure, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if proc.returncode != 0:
            w["build"].unavailable = ("configuring the project failed: "
                                      + proc.stderr.decode(errors="replace").strip()[-300:])
    return chosen


# ------------------------------------------------------------------------------------ modes

class Mode:
    def __init__(self, key, wrap=None, unavailable=None):
        self.key = key
        self.label = MODE_LABELS[key]
        self.wrap = wrap  # argv prefix before `bash -c SCRIPT`
        self.unavailable = unavailable


def traced_syscalls(filter_tool, notes):
    """Names of the calls the tracer notifies that exist on this machine's own ABI, from
    `roar-seccomp-filter --table`, so that strace traces the same set."""
    if filter_tool and os.access(filter_tool, os.X_OK):
        proc = subprocess.run([filter_tool, "--table"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL)
        rows = [line.split() for line in proc.stdout.decode().splitlines()
                if line.strip() and not line.startswith("#")]
        if proc.returncode == 0 and rows and rows[0][:3] == ["NAME", "EFFECT", "ARGS"]:
            header, body = rows[0], rows[1:]
            native = {"x86_64": "x86_64", "i686": "ia32", "aarch64": "aarch64"}.get(
                platform.machine(), header[3] if len(header) > 3 else "")
            column = header.index(native) if native in header else 3
            names = [r[0] for r in body if len(r) > column and r[column] != "-"]
            if names:
                return ",".join(names)
    notes.append("strace traced a fixed list: roar-seccomp-filter --table was not available")
    return FALLBACK_TRACED


def probe(argv):
    proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return None if proc.returncode == 0 else (proc.stderr.decode(errors="replace").strip()
                                              or f"exit {proc.returncode}")


def make_modes(args, tmp, floor_bin, notes):
    report = os.path.join(tmp, "report.msgpack")
    tracer = args.tracer
    modes = {"untraced": Mode("untraced", [])}
    if not (tracer and os.access(tracer, os.X_OK)):
        why = f"no tracer at {tracer}"
    else:
        failed = probe([tracer, "--preflight"])
        why = f"roar-seccomp --preflight failed: {failed.splitlines()[0]}" if failed else None
    if why:
        for key in ("roar", "roar-nofast"):
            modes[key] = Mode(key, unavailable=why)
    else:
        modes["roar"] = Mode("roar", [tracer, report, "--"])
        help_text = subprocess.run([tracer, "--help"], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT).stdout.decode(errors="replace")
        if "--fast-path" in help_text:
            modes["roar-nofast"] = Mode("roar-nofast", [tracer, "--fast-path=off", report, "--"])
        else:
            modes["roar-nofast"] = Mode("roar-nofast", unavailable="roar-seccomp --help has no "
                                        "--fast-path option (no fast path to turn off)")

    bpf = None
    if args.filter_tool and os.access(args.filter_tool, os.X_OK):
        proc = subprocess.run([args.filter_tool, "--bpf"], stdout=subprocess.PIPE)
        if proc.returncode == 0:
            bpf = os.path.join(tmp, "filter.bpf")
            with open(bpf, "wb") as f:
                f.write(proc.stdout)
    floor = [floor_bin, "--stats", *(["--bpf", bpf] if bpf else []), "--"]
    if not floor_bin:
        modes["floor"] = Mode("floor", unavailable="roar-bench-floor is not available")
    else:
        proc = subprocess.run([*floor, "true"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if proc.returncode != 0:
            modes["floor"] = Mode("floor", unavailable="roar-bench-floor cannot run here: "
                                  + proc.stderr.decode(errors="replace").strip())
        else:
            modes["floor"] = Mode("floor", floor)
            if b"sync wake-up off" in proc.stderr:
                notes.append("the floor ran without SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP "
                             "(Linux < 6.6)")
            if not bpf:
                notes.append("the floor used its built-in filter (read and write families, "
                             "open, close, execve, exit_group): roar-seccomp-filter --bpf was "
                             "not available")

    strace = shutil.which("strace")
    wanted = [k for k in ("strace", "strace-bpf") if k in args.modes]
    traced = traced_syscalls(args.filter_tool, notes) if strace and wanted else None
    for key in wanted:
        if strace is None:
            modes[key] = Mode(key, unavailable="strace is not installed")
            continue
        extra = ["--seccomp-bpf"] if key == "strace-bpf" else []
        prefix = [strace, "-f", "-qq", "-o", "/dev/null", *extra, "-e", f"trace={traced}"]
        failed = probe([*prefix, "true"])
        modes[key] = Mode(key, prefix) if failed is None else Mode(
            key, unavailable=f"{shlex.join(['strace', *extra])} cannot run here: {failed}")
    return [modes[k] for k in MODE_KEYS if k in args.modes]


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
        try:
            status = proc.wait(timeout=timeout)
        except BaseException as e:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
            if isinstance(e, subprocess.TimeoutExpired):
                raise RuntimeError(f"did not finish within {timeout} s") from None
            raise
        elapsed = time.perf_counter() - start
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


# ---------------------------------------------------------------------------------- output

def machine():
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"kernel": platform.release(), "cpus": os.cpu_count(), "cpu_model": model,
            "arch": platform.machine()}


def fmt_time(t):
    return f"{t:.3f} s" if t < 1 else f"{t:.2f} s"


def cell(res, with_ratio):
    if res is None:
        return "-"
    if "error" in res:
        return "failed"
    if "median" not in res:
        return "-"
    spread = (res["max"] - res["min"]) / 2 / res["median"] * 100 if res["median"] else 0
    text = f"{fmt_time(res['median'])} ±{spread:.0f}%"
    if with_ratio and "ratio" in res:
        text += f" ({res['ratio']:.2f}x)"
    return text


def geomean(values):
    values = [v for v in values if v and v > 0]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def render(data, modes, out):
    m = data["machine"]
    runs = data["runs"]
    print(f"Date: {data['date']}. Machine: Linux {m['kernel']}, {m['cpus']} CPUs "
          f"({m['cpu_model']}). Scale {data['scale']}, median of {runs} "
          f"run{'s' if runs != 1 else ''} per mode (± half the min-max range), "
          f"modes alternating within each round.", file=out)
    print(f"Command: `{data['command']}`", file=out)
    print(file=out)
    shown = [k for k in modes if data["modes"][k]["available"]]
    labels = [data["modes"][k]["label"] for k in shown]
    floor_col = "floor" in shown
    header = ["workload", *labels] + (["notified (floor)"] if floor_col else [])
    print("| " + " | ".join(header) + " |", file=out)
    print("|" + "---|" * len(header), file=out)
    for key, w in data["workloads"].items():
        label = w["label"].replace("|", "\\|")  # a pipe would end the Markdown cell
        if not w["available"]:
            print(f"| {label} | " + " | ".join(["-"] * (len(header) - 1)) + " |", file=out)
            continue
        cells = [cell(w["results"].get(k), k != "untraced") for k in shown]
        if floor_col:
            n = w.get("notifications")
            cells.append(fmt_count(n) if n is not None else "-")
        print(f"| {label} | " + " | ".join(cells) + " |", file=out)
    g = data["geomean"]
    if any(g.get(k) for k in shown):
        cells = [("-" if g.get(k) is None else f"({g[k]:.2f}x)") for k in shown]
        if floor_col:
            cells.append("")
        over = ", ".join(data["geomean_of"])
        print(f"| geometric mean ({over}) | " + " | ".join(cells) + " |", file=out)
    print(file=out)
    pair = data["parallel_pair"]
    if pair:
        parts = ", ".join(f"{data['modes'][k]['label']} {v:.2f}" for k, v in pair.items())
        print(f"Parallel pair (two processes making N preads at once, over one making 2N; 0.50 is "
              f"perfect on 2 CPUs): {parts}.", file=out)
    over = data["tracer_over_floor"]
    if over:
        parts = ", ".join(f"{k} {v:.2f}x" for k, v in over.items())
        print(f"roar-seccomp over the floor: {parts}.", file=out)
    if data["floor_us_per_notification"] is not None:
        w = data["workloads"]["pread"]
        print(f"Floor: {data['floor_us_per_notification']:.2f} µs per notification "
              f"((floor - untraced) / {fmt_count(w['notifications'])} notifications of the "
              f"pread workload).", file=out)
    for key in modes:
        info = data["modes"][key]
        if not info["available"]:
            print(f"Not measured: {info['label']}: {info['note']}.", file=out)
    for key, w in data["workloads"].items():
        if not w["available"]:
            print(f"Not measured: {w['label']}: {w['note']}.", file=out)
        elif w.get("note"):
            print(f"Note: {w['label']}: {w['note']}.", file=out)
    for note in data["notes"]:
        print(f"Note: {note}.", file=out)
    value = data["overhead_geomean"]
    print(f"overhead_geomean={'n/a' if value is None else f'{value:.2f}'}", file=out, flush=True)


def split_list(text, allowed, what):
    items = [x.strip() for x in text.split(",") if x.strip()]
    bad = [x for x in items if x not in allowed]
    if bad:
        raise argparse.ArgumentTypeError(f"unknown {what}: {', '.join(bad)} "
                                         f"(choose from {', '.join(allowed)})")
    return items


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="workloads: " + ", ".join(WORKLOAD_KEYS) + "; modes: " + ", ".join(MODE_KEYS))
    parser.add_argument("--build-dir", default=os.path.join(SOURCE_DIR, "build", "dev"),
                        help="where the tracer and the helpers were built (default: build/dev)")
    parser.add_argument("--tracer", help="roar-seccomp (default: BUILD_DIR/supervisor/...)")
    parser.add_argument("--filter-tool", help="roar-seccomp-filter (default: BUILD_DIR/tools/...)")
    parser.add_argument("--floor", help="roar-bench-floor (default: BUILD_DIR/tools/bench/...)")
    parser.add_argument("--pread", help="roar-bench-pread (default: BUILD_DIR/tools/bench/...)")
    parser.add_argument("--source-dir", default=SOURCE_DIR,
                        help="the project source that the build workload configures")
    parser.add_argument("--runs", type=int, default=5, help="measured rounds (default 5)")
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--only", default=",".join(WORKLOAD_KEYS),
                        type=lambda s: split_list(s, WORKLOAD_KEYS, "workload"),
                        help="comma-separated workloads (default: all)")
    parser.add_argument("--modes", default=",".join(MODE_KEYS),
                        type=lambda s: split_list(s, MODE_KEYS, "mode"),
                        help="comma-separated modes (default: all; untraced is always run)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON ('-': "
                        "stdout, and the table goes to stderr)")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    build = os.path.abspath(args.build_dir)
    args.tracer = os.path.abspath(args.tracer or os.path.join(build, "bin", "roar-seccomp"))
    args.filter_tool = os.path.abspath(args.filter_tool
                                       or os.path.join(build, "bin", "roar-seccomp-filter"))
    args.source_dir = os.path.abspath(args.source_dir)
    if "untraced" not in args.modes:
        args.modes.insert(0, "untraced")
    scale = SCALES[args.scale]
    out = sys.stderr if args.json == "-" else sys.stdout
    command = shlex.join(["python3", *sys.argv])

    notes = []
    tmp = os.path.realpath(tempfile.mkdtemp(prefix="roar-bench-"))
    failed = False
    try:
        bench_src = os.path.join(args.source_dir, "tools", "bench")
        floor_bin, how = helper(args.floor or os.path.join(build, "tools", "bench",
                                                           "roar-bench-floor"),
                                os.path.join(bench_src, "bench_floor.cpp"), tmp,
                                "roar-bench-floor")
        notes += [how] if how else []
        pread_bin, how = helper(args.pread or os.path.join(build, "tools", "bench",
                                                           "roar-bench-pread"),
                                os.path.join(bench_src, "bench_pread.cpp"), tmp,
                                "roar-bench-pread")
        notes += [how] if how else []
        modes = make_modes(args, tmp, floor_bin, notes)
        workloads = make_workloads(args, scale, tmp, pread_bin, notes)
        live = [m for m in modes if not m.unavailable]
        data = {
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine(),
            "command": command,
            "scale": args.scale,
            "runs": args.runs,
            "warmup_rounds": scale["warmup"],
            "modes": {m.key: {"label": m.label, "available": not m.unavailable,
                              **({"note": m.unavailable} if m.unavailable else {}),
                              **({"argv": [*m.wrap, "bash", "-c", "WORKLOAD"]}
                                 if not m.unavailable else {})}
                      for m in modes},
            "workloads": {},
            "notes": notes,
        }
        for w in workloads:
            entry = {"label": w.label, "core": w.key in CORE, "available": not w.unavailable,
                     "script": w.script}
            if w.note:
                entry["note"] = w.note
            data["workloads"][w.key] = entry
            if w.unavailable:
                entry["note"] = w.unavailable
                log(f"{w.key}: not measured: {w.unavailable}")
                continue
            log(f"{w.key}: {w.label} ({scale['warmup']} warm-up + {args.runs} rounds "
                f"x {len(live)} modes)")
            results, count = measure(w, live, args.runs, scale["warmup"], tmp, scale["timeout"])
            entry["results"] = results
            entry["notifications"] = count
            failed |= any("error" in r for r in results.values())

        def ratio(key, mode):
            return data["workloads"].get(key, {}).get("results", {}).get(mode, {}).get("ratio")

        data["geomean"] = {m.key: geomean([ratio(k, m.key) for k in CORE])
                           for m in live if m.key != "untraced"}
        data["geomean_of"] = [k for k in CORE if ratio(k, "untraced")]
        pair = {}
        for m in live:
            single = data["workloads"].get("pread", {}).get("results", {}).get(m.key, {})
            both = data["workloads"].get("pair", {}).get("results", {}).get(m.key, {})
            if "median" in single and "median" in both:
                pair[m.key] = both["median"] / single["median"]
        data["parallel_pair"] = pair
        over = {}
        for key, w in data["workloads"].items():
            res = w.get("results", {})
            if "median" in res.get("roar", {}) and "median" in res.get("floor", {}):
                over[key] = res["roar"]["median"] / res["floor"]["median"]
        data["tracer_over_floor"] = over
        per = None
        w = data["workloads"].get("pread", {})
        res = w.get("results", {})
        if w.get("notifications") and "median" in res.get("floor", {}):
            per = (res["floor"]["median"] - res["untraced"]["median"]) / w["notifications"] * 1e6
        data["floor_us_per_notification"] = per
        data["overhead_geomean"] = data["geomean"].get("roar")
        data["failed"] = failed

        render(data, [m.key for m in modes], out)
        if args.json:
            text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
            if args.json == "-":
                sys.stdout.write(text)
                sys.stdout.flush()
            else:
                with open(args.json, "w") as f:
                    f.write(text)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
