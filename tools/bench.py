#!/usr/bin/env python3
"""Benchmark: each workload untraced, under roar-seccomp, `strace -f` and `strace -f --seccomp-bpf`
(tracing the same system calls), reported as median wall time and as ratios to the untraced run.

Usage: tools/bench.py [--tracer build/dev/supervisor/roar-seccomp] [--runs 5] [--only NAME]
Prints a Markdown table (the README's performance table is its output).
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

# The system calls roar-seccomp is notified of, for strace's -e trace= (same work for both).
TRACED = ("read,pread64,readv,preadv,preadv2,write,pwrite64,writev,pwritev,pwritev2,sendfile,"
          "splice,copy_file_range,mmap,close,close_range,dup2,dup3,open,openat,creat,openat2,"
          "rename,renameat,renameat2,link,linkat,truncate,ftruncate,fallocate,execve,execveat,"
          "exit,exit_group,io_uring_setup")


def workloads(tmp):
    big = os.path.join(tmp, "big.bin")
    tree = os.path.join(tmp, "tree")
    src = os.path.join(tmp, "unit.c")
    return [
        ("open+close x100k",
         [sys.executable, "-c",
          "import os\nfor i in range(100000): os.close(os.open('/etc/hostname', os.O_RDONLY))"]),
        ("dd 4 KiB x100k", ["dd", f"if={big}", "of=/dev/null", "bs=4k", "count=100000",
                            "status=none"]),
        ("cat 200 MB", ["sh", "-c", f"cat {big} > /dev/null"]),
        ("tar | cat", ["sh", "-c", f"tar cf - -C {tree} . | cat > /dev/null"]),
        ("find | xargs cat", ["sh", "-c", f"find {tree} -type f | xargs cat > /dev/null"]),
        ("gcc -O2 -c", ["gcc", "-O2", "-c", src, "-o", os.path.join(tmp, "unit.o")]),
    ]


def prepare(tmp):
    with open(os.path.join(tmp, "big.bin"), "wb") as f:
        chunk = os.urandom(1 << 20)
        for _ in range(200):
            f.write(chunk)
    tree = os.path.join(tmp, "tree")
    for d in range(20):
        os.makedirs(os.path.join(tree, f"d{d}"))
        for i in range(100):
            with open(os.path.join(tree, f"d{d}", f"f{i}.txt"), "wb") as f:
                f.write(os.urandom(8192))
    with open(os.path.join(tmp, "unit.c"), "w") as f:
        f.write("#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n")
        for i in range(300):
            f.write(f"static int f{i}(int x) {{ char b[64]; snprintf(b, sizeof b, \"%d\", x);"
                    f" return (int)strlen(b) * {i} + x; }}\n")
        f.write("int main(void) { int s = 0;\n")
        for i in range(300):
            f.write(f"  s += f{i}(s);\n")
        f.write("  return s & 1; }\n")


def timed(cmd, cwd):
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracer", default="build/dev/supervisor/roar-seccomp")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", help="run only workloads whose name contains this")
    args = parser.parse_args()
    tracer = os.path.abspath(args.tracer)
    strace = shutil.which("strace")
    tmp = tempfile.mkdtemp(prefix="roar-bench-")
    try:
        prepare(tmp)
        report = os.path.join(tmp, "report.msgpack")
        modes = [("untraced", lambda c: c),
                 ("roar-seccomp", lambda c: [tracer, report, "--", *c])]
        if strace:
            modes.append(("strace -f", lambda c: [strace, "-f", "-qq", "-o", "/dev/null",
                                                  "-e", f"trace={TRACED}", *c]))
            modes.append(("strace -f --seccomp-bpf",
                          lambda c: [strace, "-f", "-qq", "--seccomp-bpf", "-o", "/dev/null",
                                     "-e", f"trace={TRACED}", *c]))
        names = [m[0] for m in modes]
        print(f"| workload | {' | '.join(names)} |")
        print("|---|" + "---|" * len(names))
        for name, cmd in workloads(tmp):
            if args.only and args.only not in name:
                continue
            medians = []
            for _, wrap in modes:
                timed(wrap(cmd), tmp)  # warm the page cache and the binaries
                medians.append(statistics.median(timed(wrap(cmd), tmp) for _ in range(args.runs)))
            base = medians[0]
            cells = [f"{base:.2f} s"] + [f"{m:.2f} s ({m / base:.1f}x)" for m in medians[1:]]
            label = name.replace("|", "\\|")  # a pipe would end the Markdown cell
            print(f"| {label} | {' | '.join(cells)} |", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
