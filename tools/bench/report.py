"""The benchmark's output (tools/bench.py): the machine it ran on, and a Markdown table (the
README's) of every workload's median time, spread and ratio to untraced per mode, the geometric
mean of the ratios, the parallel pair, the floor's cost per notification, what was not measured
and why, and last the line `overhead_geomean=X.XX`.
"""
import math
import os
import platform


def fmt_count(n):
    return f"{n:,}"


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
