"""roar-seccomp-report --dot: the lineage as Graphviz DOT, checked byte for byte on a hand-made
report and by Debian's `dot` (package graphviz), which must read it as the same graph; and on a
real traced job."""
import os
import shutil
import subprocess

from reportviews import small_build, tool_ok, write_report
from roartest import skip, trace, workdir, write

HEAD = ('digraph lineage {\n'
        '  graph [rankdir=LR];\n'
        '  node [fontname="monospace", fontsize=10];\n')
CHILD = ' [class="child", style=dashed, color="#888888"];\n'
READ = ' [class="read", color="#2563eb"];\n'
WRITTEN = ' [class="written", color="#dc2626"];\n'


def expected_small(source):
    return (
        f"// roar-seccomp-report --dot {source}\n" + HEAD +
        '  p0 [shape=box, label="100\\nsh -c make all"];\n'
        '  p1 [shape=box, label="101\\ncc -c src/a.c -o obj/a.o"];\n'
        '  p2 [shape=box, label="102\\ncc -c src/b\ufffd.c"];\n'
        '  p3 [shape=box, label="104\\nas -o obj/b.o"];\n'
        '  p4 [shape=box, label="105\\nld -o app obj/a.o obj/b.o"];\n'
        '  t5 [shape=box, style=dashed, label="thread 103\\n(not a process\'s pid)"];\n'
        '  f0 [shape=ellipse, label="/usr/lib/libc.so.6"];\n'
        '  f2 [shape=ellipse, label="/w/app"];\n'
        '  f3 [shape=ellipse, label="/w/obj/a.d"];\n'
        '  f4 [shape=ellipse, label="/w/obj/a.o"];\n'
        '  f5 [shape=ellipse, label="/w/obj/b.o"];\n'
        '  f6 [shape=ellipse, label="/w/src/a.c"];\n'
        '  f7 [shape=ellipse, label="/w/src/b\\\\xff.c"];\n'
        '  f8 [shape=ellipse, label="/w/src/common.h"];\n'
        '  p0 -> p1' + CHILD + '  p0 -> p2' + CHILD + '  p2 -> p3' + CHILD + '  p0 -> p4' + CHILD +
        '  f0 -> p1' + READ + '  f0 -> p2' + READ + '  f0 -> p3' + READ + '  f0 -> p4' + READ +
        '  p4 -> f2' + WRITTEN +
        '  t5 -> f3' + WRITTEN +
        '  f4 -> p4' + READ + '  p1 -> f4' + WRITTEN +
        '  f5 -> p4' + READ + '  p3 -> f5' + WRITTEN +
        '  f6 -> p1' + READ +
        '  f7 -> p2' + READ +
        '  f8 -> p1' + READ + '  f8 -> p2' + READ +
        '}\n')


def expected_small_under_src(source):
    """--filter-prefix /w/src: the three sources, the processes that read them and their parent."""
    return (
        f"// roar-seccomp-report --dot --filter-prefix /w/src {source}\n" + HEAD +
        '  p0 [shape=box, label="100\\nsh -c make all"];\n'
        '  p1 [shape=box, label="101\\ncc -c src/a.c -o obj/a.o"];\n'
        '  p2 [shape=box, label="102\\ncc -c src/b\ufffd.c"];\n'
        '  f0 [shape=ellipse, label="/w/src/a.c"];\n'
        '  f1 [shape=ellipse, label="/w/src/b\\\\xff.c"];\n'
        '  f2 [shape=ellipse, label="/w/src/common.h"];\n'
        '  p0 -> p1' + CHILD + '  p0 -> p2' + CHILD +
        '  f0 -> p1' + READ + '  f1 -> p2' + READ + '  f2 -> p1' + READ + '  f2 -> p2' + READ +
        '}\n')


def dot():
    path = shutil.which("dot")
    if path is None:
        skip("dot is not installed (apt-get install graphviz; tools/setup.sh installs it)")
    return path


def graphviz_graph(text):
    """The nodes and edges Graphviz itself reads from DOT text (dot -Tplain)."""
    proc = subprocess.run([dot(), "-Tplain"], input=text.encode(), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=120)
    assert proc.returncode == 0 and proc.stderr == b"", (proc.returncode, proc.stderr)
    nodes, edges = set(), set()
    for line in proc.stdout.decode().splitlines():
        fields = line.split()
        if fields[0] == "node":
            nodes.add(fields[1])
        elif fields[0] == "edge":
            edges.add((fields[1], fields[2], fields[-1]))  # tail, head, color
    return nodes, edges


def declared_graph(text):
    """The nodes and edges of our own DOT text, read naively line by line."""
    nodes, edges = set(), set()
    for line in text.splitlines():
        fields = line.split()
        if len(fields) > 2 and fields[1] == "->":
            color = line.split('color="')[1].split('"')[0]
            edges.add((fields[0], fields[2], color))
        elif len(fields) > 1 and fields[1].startswith("[shape="):
            nodes.add(fields[0])
    return nodes, edges


def test_report_dot_exact_output():
    with workdir() as out:
        source = write_report(os.path.join(out, "build.msgpack"), small_build())
        assert tool_ok(["--dot", source]).decode() == expected_small(source)
        assert tool_ok(["--dot", "--filter-prefix", "/w/src/", source]).decode() == \
            expected_small_under_src(source).replace("prefix /w/src ", "prefix /w/src/ ")


def test_report_dot_is_read_by_graphviz_as_the_same_graph():
    with workdir() as out:
        source = write_report(os.path.join(out, "build.msgpack"), small_build())
        for args in ([], ["--filter-prefix", "/w/src"]):
            text = tool_ok(["--dot", *args, source]).decode()
            nodes, edges = graphviz_graph(text)
            assert (nodes, edges) == declared_graph(text), args
            assert len(nodes) == (14 if not args else 6) and len(edges) == (18 if not args else 6)
        svg = subprocess.run([dot(), "-Tsvg"], input=tool_ok(["--dot", source]),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        assert svg.returncode == 0 and b"<svg" in svg.stdout and svg.stderr == b"", svg.stderr
        # The label of the path that is not UTF-8 is drawn escaped.
        assert b"/w/src/b\\xff.c" in svg.stdout


def test_report_dot_of_a_traced_job():
    with workdir() as tmp, workdir() as out:
        write(os.path.join(tmp, "in.txt"), "b\na\n")
        report = os.path.join(out, "job.msgpack")
        run = trace(["sh", "-c", "sort in.txt > sorted.txt && cat sorted.txt in.txt > both.txt"],
                    tmp, report=report)
        assert run.exit_code == 0, run.stderr
        text = tool_ok(["--dot", "--filter-prefix", tmp, report]).decode()
        nodes, edges = graphviz_graph(text)
        assert (nodes, edges) == declared_graph(text)
        labels = {line.split("label=")[1].rstrip("];\n"): line.split()[0]
                  for line in text.splitlines() if "label=" in line and "->" not in line}
        files = {name: labels[f'"{tmp}/{name}"'] for name in ("in.txt", "sorted.txt", "both.txt")}
        procs = {p["command"][0]: f"p{i}" for i, p in enumerate(run.processes())}
        assert {(t, h) for t, h, c in edges if c == "#2563eb"} == {
            (files["in.txt"], procs["sort"]), (files["in.txt"], procs["cat"]),
            (files["sorted.txt"], procs["cat"])}, edges
        assert {(t, h) for t, h, c in edges if c == "#dc2626"} == {
            (procs["sort"], files["sorted.txt"]), (procs["cat"], files["both.txt"])}, edges
