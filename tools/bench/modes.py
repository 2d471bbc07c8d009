"""The benchmark's modes (tools/bench.py): the argv prefix each runs a workload under: untraced,
roar-seccomp with the fast path on and off, the floor, `strace -f` and `strace -f --seccomp-bpf`;
a mode that cannot run here says why.

The floor (roar-bench-floor) answers every notification with CONTINUE at once; it loads the filter
roar-seccomp-filter --bpf prints, so the same calls notify, and shows what any tracer built on
seccomp user notification must pay. strace traces the calls the tracer notifies
(roar-seccomp-filter --table), or a fixed list when that cannot be had.
"""
import os
import platform
import shlex
import shutil
import subprocess


MODE_KEYS = ["untraced", "roar", "roar-nofast", "baseline", "baseline-nofast", "floor", "strace",
             "strace-bpf"]
MODE_LABELS = {"untraced": "untraced", "roar": "roar-seccomp", "roar-nofast": "fast path off",
               "baseline": "baseline", "baseline-nofast": "baseline, fast path off",
               "floor": "floor", "strace": "strace -f", "strace-bpf": "strace -f --seccomp-bpf"}
# The modes of another roar-seccomp (--baseline), run beside the tracer's own in every round.
BASELINE_OF = {"roar": "baseline", "roar-nofast": "baseline-nofast"}

# Used for strace's -e trace= only when roar-seccomp-filter cannot say what the tracer notifies.
FALLBACK_TRACED = ("read,pread64,readv,preadv,preadv2,write,pwrite64,writev,pwritev,pwritev2,"
                   "sendfile,splice,copy_file_range,mmap,close,close_range,dup2,dup3,open,openat,"
                   "creat,openat2,rename,renameat,renameat2,link,linkat,truncate,ftruncate,"
                   "fallocate,execve,execveat,exit,exit_group,io_uring_setup")


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
            # A row for one ioctl request is "ioctl:REQUEST": strace knows the call's name.
            names = list(dict.fromkeys(r[0].split(":")[0] for r in body
                                       if len(r) > column and r[column] != "-"))
            if names:
                return ",".join(names)
    notes.append("strace traced a fixed list: roar-seccomp-filter --table was not available")
    return FALLBACK_TRACED


def probe(argv):
    proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return None if proc.returncode == 0 else (proc.stderr.decode(errors="replace").strip()
                                              or f"exit {proc.returncode}")


def tracer_modes(tracer, keys, report):
    """The modes of roar-seccomp `tracer`: `keys` name its fast path on and off."""
    on, off = keys
    if not (tracer and os.access(tracer, os.X_OK)):
        why = f"no tracer at {tracer}"
    else:
        failed = probe([tracer, "--preflight"])
        why = f"roar-seccomp --preflight failed: {failed.splitlines()[0]}" if failed else None
    if why:
        return {on: Mode(on, unavailable=why), off: Mode(off, unavailable=why)}
    modes = {on: Mode(on, [tracer, report, "--"])}
    help_text = subprocess.run([tracer, "--help"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT).stdout.decode(errors="replace")
    if "--fast-path" in help_text:
        modes[off] = Mode(off, [tracer, "--fast-path=off", report, "--"])
    else:
        modes[off] = Mode(off, unavailable="roar-seccomp --help has no --fast-path option (no "
                          "fast path to turn off)")
    return modes


def make_modes(args, tmp, floor_bin, notes):
    report = os.path.join(tmp, "report.msgpack")
    modes = {"untraced": Mode("untraced", [])}
    modes.update(tracer_modes(args.tracer, tuple(BASELINE_OF), report))
    if args.baseline:
        modes.update(tracer_modes(args.baseline, tuple(BASELINE_OF.values()), report))

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
