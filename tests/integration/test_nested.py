"""Nested tracing (README "Where it works", nested): a command traced by roar-seccomp that
itself runs roar-seccomp. The kernel allows one listener per filter chain, so the inner run asks
the outer one for the report of its subtree.

`roar-seccomp outer.msgpack -- roar-seccomp inner.msgpack -- CMD` exits with CMD's status and
writes two correct reports: the inner one for CMD's subtree (its root is CMD, with parent_pid
None and CMD's argv; complete; the same pids, parents and thread ids the outer run saw), the
outer one for everything, including the inner tracer process and the report file it wrote.
Also: an inner run inside a shell with work before and after it, three levels, two inner runs
one after another and two at once, an inner command that fails (3) or is missing (127), an
inner `--preflight --json` (ok: it delegates), and `--if-untraceable run` on the inner run
(it still delegates: nothing is untraced).

Every scenario runs the command in TMP/work and writes the inner reports to TMP/reports, so
that the command's files and the report files are checked apart, each exactly. A tracer writes
its report through a temporary file in the same directory (`.roar-seccomp-PID-N.tmp`, then a
rename), which the outer run sees as well: one written temporary per inner tracer, and maybe an
opened one (the writability probe), both named after that tracer's pid.
"""
import contextlib
import json
import os
import re
import shlex
import types

import msgpack

import roartest
from roartest import assert_files, ok, read_bytes, record, skip, summary, trace, workdir, write

CONTENT = b"gamma\nalpha\nbeta\n"
TEMPORARY = re.compile(r"\.roar-seccomp-(\d+)-\d+\.tmp")


# ----------------------------------------------------------------------------- local helpers

def tracer():
    if not roartest.TRACER:
        skip("ROAR_SECCOMP is not set: run the scenarios through ctest")
    return roartest.TRACER


@contextlib.contextmanager
def layout():
    """(work, reports): the command's directory and the inner reports' directory."""
    with workdir() as tmp:
        work = os.path.join(tmp, "work")
        reports = os.path.join(tmp, "reports")
        os.mkdir(work)
        os.mkdir(reports)
        yield work, reports


def load(path, cwd):
    """The report at `path`, decoded like roar does and checked, as a roartest.Run."""
    assert os.path.exists(path), f"no report at {path}"
    with open(path, "rb") as f:
        raw = f.read()
    report = msgpack.unpackb(raw, raw=False)
    roartest.check_invariants(report)
    proc = types.SimpleNamespace(returncode=None, stdout=b"", stderr=None)
    return roartest.Run(proc, report, raw, cwd)


def by_pid(run):
    return {p["pid"]: p for p in run.processes()}


def process_with(run, command):
    found = [p for p in run.processes() if p["command"] == command]
    assert len(found) == 1, f"one process running {command}: {summary(run)}"
    return found[0]


def inner_argv(report, cmd, *options):
    return [tracer(), *options, report, "--", *cmd]


def sh_line(argv):
    return " ".join(shlex.quote(a) for a in argv)


def complete_without_warnings(run, which):
    assert run.report.get("complete") is True, \
        f"{which}: complete is {run.report.get('complete')!r}; warnings {run.warnings()}"
    assert run.warnings() == [], f"{which}: warnings {run.warnings()}"


def assert_inner_root(inner, argv):
    root = inner.root()
    assert root["command"] == argv, f"inner root: {summary(inner)}"
    assert root["parent_pid"] is None


def assert_subtree_of(inner, outer, inner_tracer_pid):
    """Every process of the inner report is in the outer one with the same argv and parent; the
    inner root's parent is the inner tracer. File records of the inner report match the outer
    report's (the same reads, writes and thread ids)."""
    outer_procs = by_pid(outer)
    for p in inner.processes():
        assert p["pid"] in outer_procs, f"{p['pid']} is not in the outer report: {summary(outer)}"
        o = outer_procs[p["pid"]]
        assert o["command"] == p["command"], (summary(inner), summary(outer))
        expected_parent = inner_tracer_pid if p["parent_pid"] is None else p["parent_pid"]
        assert o["parent_pid"] == expected_parent, (summary(inner), summary(outer))
    outer_files = outer.files()
    for path, f in inner.files().items():
        if not path.startswith(inner.tmp.rstrip("/") + "/"):
            continue
        o = outer_files.get(path)
        assert o is not None, f"{path} is in the inner report, not in the outer one"
        for key in ("read_threads", "written_threads"):
            assert set(f.get(key, [])) <= set(o.get(key, [])), (path, f, o)


def assert_reports_written(outer, reports, writers):
    """In the reports directory the outer run saw exactly: each report in `writers` (name ->
    the tracer pid that wrote it) written by its tracer, one written temporary per tracer, and
    at most opened (never read or written) temporaries of those tracers otherwise."""
    assert outer.reads(reports) == set(), f"read in {reports}: {sorted(outer.reads(reports))}"
    written = outer.writes(reports)
    pids = set(writers.values())
    for name, pid in writers.items():
        assert name in written, f"{name} is not written in the outer report: {sorted(written)}"
        assert record(outer, reports, name)["written_threads"] == [pid], \
            (name, record(outer, reports, name), summary(outer))
    temporaries = written - set(writers)
    owners = []
    for name in temporaries:
        m = TEMPORARY.fullmatch(name)
        assert m and int(m[1]) in pids, \
            f"unexpected written file {name} in {reports}: {sorted(written)}; tracers {pids}"
        owners.append(int(m[1]))
        assert record(outer, reports, name)["written_threads"] == [int(m[1])]
    assert sorted(owners) == sorted(pids), \
        f"one written temporary per tracer: {sorted(temporaries)}; tracers {sorted(pids)}"
    for name in outer.opened(reports) - written:
        m = TEMPORARY.fullmatch(name)
        assert m and int(m[1]) in pids, f"unexpected file {name} in {reports}"


# ----------------------------------------------------------------------------- one inner run

def test_inner_run_reports_its_subtree_and_the_outer_run_everything():
    with layout() as (work, reports):
        write(os.path.join(work, "in"), CONTENT)
        inner_report = os.path.join(reports, "inner.msgpack")
        cmd = ["sh", "-c", "cat in > out; echo done"]
        argv = inner_argv(inner_report, cmd)
        outer = trace(argv, work)
        ok(outer)
        assert outer.stdout == b"done\n", outer.stdout
        assert read_bytes(os.path.join(work, "out")) == CONTENT
        assert "roar-seccomp:" not in outer.stderr, outer.stderr
        inner = load(inner_report, work)

        # The inner report: CMD's subtree only.
        assert_inner_root(inner, cmd)
        assert len(inner.processes()) == 2, summary(inner)
        cat = process_with(inner, ["cat", "in"])
        assert cat["parent_pid"] == inner.root()["pid"], summary(inner)
        assert_files(inner, reads={"in"}, writes={"out"}, opened_only=set())
        assert record(inner, work, "in")["read_threads"] == [cat["pid"]]
        assert record(inner, work, "out")["written_threads"] == [cat["pid"]]
        assert inner.opened(reports) == set(), "the inner run does not see its own report"
        complete_without_warnings(inner, "inner")

        # The outer report: the inner tracer, CMD's subtree, and the inner report file.
        outer_root = outer.root()
        assert outer_root["command"] == argv, summary(outer)
        assert len(outer.processes()) == 3, summary(outer)
        assert_subtree_of(inner, outer, outer_root["pid"])
        assert_files(outer, reads={"in"}, writes={"out"}, opened_only=set())
        assert_reports_written(outer, reports, {"inner.msgpack": outer_root["pid"]})
        assert outer.report.get("complete") is True, outer.warnings()


def test_inner_run_inside_a_shell_with_work_before_and_after():
    with layout() as (work, reports):
        for name in ("a", "c", "e"):
            write(os.path.join(work, name), CONTENT)
        inner_report = os.path.join(reports, "inner.msgpack")
        cmd = ["sh", "-c", "cat c > d; true"]
        script = f"cat a > b; {sh_line(inner_argv(inner_report, cmd))}; cat e > f; true"
        outer = trace(["sh", "-c", script], work)
        ok(outer)
        for name in ("b", "d", "f"):
            assert read_bytes(os.path.join(work, name)) == CONTENT
        inner = load(inner_report, work)

        assert_inner_root(inner, cmd)
        assert len(inner.processes()) == 2, summary(inner)
        assert_files(inner, reads={"c"}, writes={"d"}, opened_only=set())
        complete_without_warnings(inner, "inner")

        inner_tracer = process_with(outer, inner_argv(inner_report, cmd))
        assert inner_tracer["parent_pid"] == outer.root()["pid"], summary(outer)
        # sh, cat a, the inner tracer, its sh and cat c, cat e.
        assert len(outer.processes()) == 6, summary(outer)
        assert_subtree_of(inner, outer, inner_tracer["pid"])
        assert_files(outer, reads={"a", "c", "e"}, writes={"b", "d", "f"}, opened_only=set())
        assert_reports_written(outer, reports, {"inner.msgpack": inner_tracer["pid"]})
        for name, reader in (("a", "cat a"), ("e", "cat e")):
            cat = process_with(outer, reader.split())
            assert cat["parent_pid"] == outer.root()["pid"], summary(outer)
            assert record(outer, work, name)["read_threads"] == [cat["pid"]]


def test_three_levels():
    with layout() as (work, reports):
        write(os.path.join(work, "in"), CONTENT)
        mid_report = os.path.join(reports, "mid.msgpack")
        inner_report = os.path.join(reports, "inner.msgpack")
        cmd = ["sh", "-c", "cat in > out; true"]
        inner_cmd = inner_argv(inner_report, cmd)
        mid_cmd = inner_argv(mid_report, inner_cmd)
        outer = trace(mid_cmd, work)
        ok(outer)
        assert read_bytes(os.path.join(work, "out")) == CONTENT
        mid = load(mid_report, work)
        inner = load(inner_report, work)

        assert_inner_root(inner, cmd)
        assert len(inner.processes()) == 2, summary(inner)
        assert_files(inner, reads={"in"}, writes={"out"}, opened_only=set())
        complete_without_warnings(inner, "inner")

        # The middle run's command is the inner tracer.
        assert_inner_root(mid, inner_cmd)
        inner_tracer = mid.root()["pid"]
        assert len(mid.processes()) == 3, summary(mid)
        assert_subtree_of(inner, mid, inner_tracer)
        assert_files(mid, reads={"in"}, writes={"out"}, opened_only=set())
        assert_reports_written(mid, reports, {"inner.msgpack": inner_tracer})
        assert mid.report.get("complete") is True, mid.warnings()

        outer_root = outer.root()
        assert outer_root["command"] == mid_cmd, summary(outer)
        assert len(outer.processes()) == 4, summary(outer)
        assert_subtree_of(mid, outer, outer_root["pid"])
        assert_subtree_of(inner, outer, inner_tracer)
        assert_files(outer, reads={"in"}, writes={"out"}, opened_only=set())
        assert_reports_written(outer, reports, {"mid.msgpack": outer_root["pid"],
                                                "inner.msgpack": inner_tracer})
        assert outer.report.get("complete") is True, outer.warnings()


# ----------------------------------------------------------------------------- several inner runs

def test_two_inner_runs_one_after_another():
    with layout() as (work, reports):
        write(os.path.join(work, "a"), CONTENT)
        write(os.path.join(work, "c"), CONTENT)
        r1, r2 = (os.path.join(reports, n) for n in ("r1.msgpack", "r2.msgpack"))
        cmd1 = ["sh", "-c", "cat a > b; true"]
        cmd2 = ["sh", "-c", "cat c > d; true"]
        script = f"{sh_line(inner_argv(r1, cmd1))} && {sh_line(inner_argv(r2, cmd2))}"
        outer = trace(["sh", "-c", script], work)
        ok(outer)
        first, second = load(r1, work), load(r2, work)

        for inner, cmd, reads, writes in ((first, cmd1, {"a"}, {"b"}),
                                          (second, cmd2, {"c"}, {"d"})):
            assert_inner_root(inner, cmd)
            assert len(inner.processes()) == 2, summary(inner)
            assert_files(inner, reads=reads, writes=writes, opened_only=set())
            complete_without_warnings(inner, cmd[2])
        assert not set(by_pid(first)) & set(by_pid(second)), (summary(first), summary(second))

        t1 = process_with(outer, inner_argv(r1, cmd1))
        t2 = process_with(outer, inner_argv(r2, cmd2))
        assert_subtree_of(first, outer, t1["pid"])
        assert_subtree_of(second, outer, t2["pid"])
        assert len(outer.processes()) == 7, summary(outer)
        assert_files(outer, reads={"a", "c"}, writes={"b", "d"}, opened_only=set())
        assert_reports_written(outer, reports, {"r1.msgpack": t1["pid"], "r2.msgpack": t2["pid"]})


def test_two_inner_runs_at_once():
    with layout() as (work, reports):
        write(os.path.join(work, "a"), CONTENT)
        write(os.path.join(work, "c"), CONTENT)
        r1, r2 = (os.path.join(reports, n) for n in ("r1.msgpack", "r2.msgpack"))

        # Each inner command makes a directory, then waits (bounded) for the other's, so that
        # both inner runs are certainly registered and running at the same time.
        def barrier(mine, theirs, src, dst):
            return ["sh", "-c",
                    f"mkdir {mine}; i=0; while [ ! -d {theirs} ]; do i=$((i+1)); "
                    f"[ $i -gt 2000 ] && exit 9; sleep 0.05; done; cat {src} > {dst}; true"]
        cmd1 = barrier("s1", "s2", "a", "b")
        cmd2 = barrier("s2", "s1", "c", "d")
        script = (f"{sh_line(inner_argv(r1, cmd1))} & p1=$!; "
                  f"{sh_line(inner_argv(r2, cmd2))} & p2=$!; "
                  "wait $p1; s1=$?; wait $p2; s2=$?; exit $((s1 * 16 + s2))")
        outer = trace(["sh", "-c", script], work)
        assert outer.exit_code == 0, \
            f"exit {outer.exit_code} (inner statuses as 16*first+second); {outer.stderr}"
        first, second = load(r1, work), load(r2, work)

        for inner, cmd, src, dst, other in ((first, cmd1, "a", "b", "c"),
                                            (second, cmd2, "c", "d", "a")):
            assert_inner_root(inner, cmd)
            root = inner.root()["pid"]
            procs = by_pid(inner)
            # Every process descends from the inner root (sleep and mkdir children vary).
            for p in procs.values():
                assert p["pid"] == root or p["parent_pid"] == root, summary(inner)
            cat = process_with(inner, ["cat", src])
            assert cat["parent_pid"] == root
            assert not [p for p in procs.values() if p["command"] == ["cat", other]], summary(inner)
            assert_files(inner, reads={src}, writes={dst}, opened_only=set())
            assert record(inner, work, src)["read_threads"] == [cat["pid"]]
            complete_without_warnings(inner, cmd[2])
        assert not set(by_pid(first)) & set(by_pid(second)), (summary(first), summary(second))

        t1 = process_with(outer, inner_argv(r1, cmd1))
        t2 = process_with(outer, inner_argv(r2, cmd2))
        assert_subtree_of(first, outer, t1["pid"])
        assert_subtree_of(second, outer, t2["pid"])
        outer_pids = set(by_pid(outer))
        assert outer_pids == {outer.root()["pid"], t1["pid"], t2["pid"]} | set(by_pid(first)) \
            | set(by_pid(second)), summary(outer)
        assert_files(outer, reads={"a", "c"}, writes={"b", "d"}, opened_only=set())
        assert_reports_written(outer, reports, {"r1.msgpack": t1["pid"], "r2.msgpack": t2["pid"]})


# ----------------------------------------------------------------------------- outcomes

def test_inner_command_that_fails():
    with layout() as (work, reports):
        inner_report = os.path.join(reports, "inner.msgpack")
        cmd = ["sh", "-c", "echo x > w; exit 3"]
        argv = inner_argv(inner_report, cmd)
        outer = trace(argv, work)
        assert outer.exit_code == 3, f"exit {outer.exit_code}; stderr {outer.stderr}"
        inner = load(inner_report, work)
        assert_inner_root(inner, cmd)
        assert len(inner.processes()) == 1, summary(inner)
        assert_files(inner, reads=set(), writes={"w"}, opened_only=set())
        assert record(inner, work, "w")["written_threads"] == [inner.root()["pid"]]
        complete_without_warnings(inner, "inner")
        assert outer.root()["command"] == argv
        assert_subtree_of(inner, outer, outer.root()["pid"])
        assert_files(outer, reads=set(), writes={"w"}, opened_only=set())
        assert_reports_written(outer, reports, {"inner.msgpack": outer.root()["pid"]})


def test_inner_command_that_fails_inside_a_shell():
    with layout() as (work, reports):
        inner_report = os.path.join(reports, "inner.msgpack")
        cmd = ["sh", "-c", "exit 3"]
        # The shell goes on after the inner run and records the status it got.
        script = f"{sh_line(inner_argv(inner_report, cmd))}; echo $? > status"
        outer = trace(["sh", "-c", script], work)
        ok(outer)
        assert read_bytes(os.path.join(work, "status")) == b"3\n"
        inner = load(inner_report, work)
        assert_inner_root(inner, cmd)
        assert_files(inner, reads=set(), writes=set(), opened_only=set())
        complete_without_warnings(inner, "inner")
        assert_files(outer, reads=set(), writes={"status"}, opened_only=set())


def test_inner_command_that_is_missing():
    with layout() as (work, reports):
        inner_report = os.path.join(reports, "inner.msgpack")
        missing = "roar-seccomp-no-such-program"
        argv = inner_argv(inner_report, [missing, "x"])
        outer = trace(argv, work)
        assert outer.exit_code == 127, f"exit {outer.exit_code}; stderr {outer.stderr}"
        lines = [line for line in outer.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("roar-seccomp:") \
            and missing in lines[0] and "not found" in lines[0], outer.stderr
        inner = load(inner_report, work)
        assert_inner_root(inner, [missing, "x"])
        assert len(inner.processes()) == 1, summary(inner)
        assert_files(inner, reads=set(), writes=set(), opened_only=set())
        assert inner.report.get("complete") is True, inner.warnings()
        assert outer.root()["command"] == argv
        assert_files(outer, reads=set(), writes=set(), opened_only=set())
        assert_reports_written(outer, reports, {"inner.msgpack": outer.root()["pid"]})


def test_inner_if_untraceable_run_still_delegates():
    with layout() as (work, reports):
        write(os.path.join(work, "in"), CONTENT)
        inner_report = os.path.join(reports, "inner.msgpack")
        cmd = ["sh", "-c", "cat in > out; true"]
        argv = inner_argv(inner_report, cmd, "--if-untraceable", "run")
        outer = trace(argv, work)
        ok(outer)
        assert "untraced" not in outer.stderr, outer.stderr
        inner = load(inner_report, work)
        assert_inner_root(inner, cmd)
        assert_files(inner, reads={"in"}, writes={"out"}, opened_only=set())
        complete_without_warnings(inner, "inner")
        assert_subtree_of(inner, outer, outer.root()["pid"])


def test_inner_preflight_delegates_and_succeeds():
    with layout() as (work, _reports):
        argv = [tracer(), "--preflight", "--json", "--command", "sh"]
        outer = trace(argv, work)
        lines = outer.stdout.decode(errors="replace").splitlines()
        assert len(lines) == 1, f"one JSON object on stdout: {lines!r}; stderr {outer.stderr}"
        result = json.loads(lines[0])
        assert result["ok"] is True, result
        assert outer.exit_code == 0, f"exit {outer.exit_code}: {result}"
        assert result["backend"] == "seccomp"
        assert all(c["ok"] for c in result["checks"]), result
        names = [c["name"] for c in result["checks"]]
        assert "probe_run" in names and "command" in names, result
        assert result["command_checked"] and result["command_checked"].endswith("/sh"), result
        # The preflight's probe ran under the outer run: its processes are in the outer report.
        assert outer.root()["command"] == argv
        assert len(outer.processes()) > 1, summary(outer)
        assert outer.report.get("complete") is True, outer.warnings()


def test_inner_command_that_leaves_a_background_process():
    with layout() as (work, reports):
        write(os.path.join(work, "in"), CONTENT)
        inner_report = os.path.join(reports, "inner.msgpack")
        # The subshell outlives the inner root; the inner run waits for it, and it stays in the
        # inner subtree although it is re-parented (to the inner tracer, a subreaper). It sleeps
        # twice as long as the wait goes unannounced (1 s), so that the announcement always comes.
        cmd = ["sh", "-c", "(sleep 2; cat in > late) >/dev/null 2>&1 & true"]
        outer = trace(inner_argv(inner_report, cmd), work)
        ok(outer)
        assert read_bytes(os.path.join(work, "late")) == CONTENT
        assert "waiting for" in outer.stderr, outer.stderr
        inner = load(inner_report, work)
        assert_inner_root(inner, cmd)
        root = inner.root()["pid"]
        assert len(inner.processes()) == 3, summary(inner)
        cat = process_with(inner, ["cat", "in"])  # the subshell exec'd its last command
        sleep = process_with(inner, ["sleep", "2"])
        assert cat["parent_pid"] == root and sleep["parent_pid"] == cat["pid"], summary(inner)
        assert_files(inner, reads={"in"}, writes={"late"}, opened_only=set())
        assert record(inner, work, "late")["written_threads"] == [cat["pid"]]
        complete_without_warnings(inner, "inner")
        assert_subtree_of(inner, outer, outer.root()["pid"])
        assert_files(outer, reads={"in"}, writes={"late"}, opened_only=set())
        assert_reports_written(outer, reports, {"inner.msgpack": outer.root()["pid"]})
