"""The benchmark's command line (tools/bench.py, whose docstring is its help): reads the options,
finds or builds the helpers, prepares the modes and workloads, measures every workload under
every mode, adds the summaries (geometric means, the parallel pair, roar-seccomp over the floor,
the floor's cost per notification) and prints the table, and the JSON when asked.
"""
import argparse
import datetime
import json
import os
import shlex
import shutil
import sys
import tempfile

from .measure import log, measure
from .modes import BASELINE_OF, MODE_KEYS, make_modes
from .report import geomean, machine, render
from .workloads import CORE, SCALES, WORKLOAD_KEYS, helper, make_workloads

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(os.path.dirname(HERE))


def split_list(text, allowed, what):
    items = [x.strip() for x in text.split(",") if x.strip()]
    bad = [x for x in items if x not in allowed]
    if bad:
        raise argparse.ArgumentTypeError(f"unknown {what}: {', '.join(bad)} "
                                         f"(choose from {', '.join(allowed)})")
    return items


def main(doc):
    """Runs the benchmark; `doc` is tools/bench.py's docstring, whose first paragraph --help
    shows. Returns the exit status: 1 if a run failed."""
    parser = argparse.ArgumentParser(
        description=doc.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="workloads: " + ", ".join(WORKLOAD_KEYS) + "; modes: " + ", ".join(MODE_KEYS))
    parser.add_argument("--build-dir", default=os.path.join(SOURCE_DIR, "build", "dev"),
                        help="where the tracer and the helpers were built (default: build/dev)")
    parser.add_argument("--tracer", help="roar-seccomp (default: BUILD_DIR/bin/roar-seccomp)")
    parser.add_argument("--baseline", metavar="TRACER",
                        help="another roar-seccomp (an earlier build) to run beside it in every "
                        "round, for a before and after; adds the baseline modes of the roar "
                        "modes chosen")
    parser.add_argument("--filter-tool", help="roar-seccomp-filter (default: BUILD_DIR/bin/roar-seccomp-filter)")
    parser.add_argument("--floor", help="roar-bench-floor (default: BUILD_DIR/tools/bench/...)")
    parser.add_argument("--pread", help="roar-bench-pread (default: BUILD_DIR/tools/bench/...)")
    parser.add_argument("--source-dir", default=SOURCE_DIR,
                        help="the project source that the build workload configures")
    parser.add_argument("--runs", type=int, default=5, help="measured rounds (default 5)")
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--only", default=",".join(WORKLOAD_KEYS),
                        type=lambda s: split_list(s, WORKLOAD_KEYS, "workload"),
                        help="comma-separated workloads (default: all)")
    parser.add_argument("--modes", default=",".join(k for k in MODE_KEYS
                                                    if k not in BASELINE_OF.values()),
                        type=lambda s: split_list(s, MODE_KEYS, "mode"),
                        help="comma-separated modes (default: all but the baseline's, which "
                        "--baseline adds; untraced is always run)")
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
    if args.baseline:
        args.baseline = os.path.abspath(args.baseline)
        args.modes += [b for k, b in BASELINE_OF.items() if k in args.modes and b not in args.modes]
    elif any(k in args.modes for k in BASELINE_OF.values()):
        parser.error("the baseline modes need --baseline TRACER")
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
