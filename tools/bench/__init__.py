"""The benchmark's modules, which tools/bench.py runs (see its docstring for what it measures and
how to run it): workloads.py prepares the workloads, modes.py the ways of running them (untraced,
roar-seccomp, the floor, strace), measure.py times them, report.py prints the results, and
cli.py reads the command line and puts it all together.
"""
