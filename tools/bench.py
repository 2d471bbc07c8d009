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
  pair      two processes making 500,000 preads each at the same time, of a file each (compared with `pread`)
  busybox   busybox sh -c 'busybox cat FILE | busybox wc -c' (Debian's busybox-static)
  build     cmake --build of one target of this project, from clean (configured once, untimed)

The first five are the headline: the last line is `overhead_geomean=X.XX`, the geometric mean of
roar-seccomp's ratios to untraced over them. The floor (roar-bench-floor) answers every
notification with CONTINUE at once; it loads the filter roar-seccomp-filter --bpf prints, so the
same calls notify, and shows what any tracer built on seccomp user notification must pay.

  tools/bench.py [--build-dir build/dev] [--runs 5] [--scale full|tiny] [--only pread,cat,...]
                 [--modes roar,floor,...] [--baseline TRACER] [--json FILE|-]

`--baseline TRACER` runs another roar-seccomp (an earlier build) beside the tracer in every round,
with the fast path on and off as the chosen roar modes are: a before and after in one run.

Prints a Markdown table (the README's), with the date, machine and command. With `--json -` the
JSON goes to stdout and everything else to stderr. `--scale tiny` shrinks every workload so that a
whole run takes seconds: a smoke check, its times mean nothing. Exit status 1 if a run failed.

The code is in tools/bench/: workloads.py, modes.py, measure.py (timing), report.py (output) and
cli.py (the command line, putting them together).
"""
import os
import sys

# The modules live in tools/bench/ beside this script; reading them leaves no bytecode behind in
# the source tree.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True

from bench import cli  # noqa: E402

if __name__ == "__main__":
    sys.exit(cli.main(__doc__))
