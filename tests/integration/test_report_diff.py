"""roar-seccomp-report --diff OLD NEW: what changed between two runs of the same job (inputs and
outputs added or removed, processes whose command changed, processes added or removed, warnings,
complete), as a table and as JSON; on hand-made reports (exact output) and on two traced runs."""
import json
import os

from reportviews import (file_record, process, report, report_tool, run_tool, small_build,
                         tool_ok, write_report)
from roartest import trace, workdir, write


def next_build():
    """small_build run again with other pids: cc gets -O2, the second source is gone from the
    inputs and extra.h is new, ld writes app2, `as` no longer runs, strip does, a warning went."""
    processes = [
        process(200, None, "sh", "-c", "make all"),
        process(201, 200, "cc", "-O2", "-c", "src/a.c", "-o", "obj/a.o"),
        process(202, 200, "cc", "-c", "src/b\ufffd.c"),
        process(205, 200, "ld", "-o", "app", "obj/a.o", "obj/b.o"),
        process(206, 200, "strip", "app"),
    ]
    files = [
        file_record("/w/src/a.c", read_threads=[201]),
        file_record("/w/src/extra.h", read_threads=[201]),
        file_record("/w/src/common.h", read_threads=[201]),
        file_record("/w/obj/a.o", written_threads=[201], read_threads=[205]),
        file_record("/w/obj/b.o", written_threads=[202], read_threads=[205]),
        file_record("/w/obj/a.d", written_threads=[203]),
        file_record("/w/app2", written_threads=[205, 206], read_threads=[206]),
        file_record("/usr/lib/libc.so.6", read_threads=[201, 202, 205]),
    ]
    return report(processes, files, warnings=["io_uring was used: its I/O is not in this report"])


def expected_table(old, new):
    return f"""old: {old}
new: {new}
same: no

inputs added (2):
  + /w/app2
  + /w/src/extra.h
inputs removed (1):
  - /w/src/b\\xff.c
outputs added (1):
  + /w/app2
outputs removed (1):
  - /w/app
processes whose command changed (1):
  - 101 (parent 100): cc -c src/a.c -o obj/a.o
  + 201 (parent 200): cc -O2 -c src/a.c -o obj/a.o
processes added (1):
  + 206 (parent 200): strip app
processes removed (1):
  - 104 (parent 102): as -o obj/b.o
warnings added (0):
warnings removed (1):
  - a <b>bold</b> & \\\\ warning
complete: no -> yes
"""


def expected_json(old, new):
    def proc(pid, parent, *argv):
        return {"pid": pid, "parent_pid": parent, "command": list(argv)}
    return {
        "old": old, "new": new, "same": False,
        "inputs": {"added": ["/w/app2", "/w/src/extra.h"],
                   "removed": [{"bytes_hex": b"/w/src/b\xff.c".hex()}]},
        "outputs": {"added": ["/w/app2"], "removed": ["/w/app"]},
        "processes": {
            "command_changed": [{"old": proc(101, 100, "cc", "-c", "src/a.c", "-o", "obj/a.o"),
                                 "new": proc(201, 200, "cc", "-O2", "-c", "src/a.c", "-o",
                                             "obj/a.o")}],
            "added": [proc(206, 200, "strip", "app")],
            "removed": [proc(104, 102, "as", "-o", "obj/b.o")]},
        "warnings": {"added": [], "removed": ["a <b>bold</b> & \\ warning"]},
        "complete": {"old": False, "new": True},
    }


def test_report_diff_table_and_json():
    with workdir() as out:
        old = write_report(os.path.join(out, "old.msgpack"), small_build())
        new = write_report(os.path.join(out, "new.msgpack"), next_build())
        assert tool_ok(["--diff", old, new]).decode() == expected_table(old, new)
        assert tool_ok(["--table", "--diff", old, new]).decode() == expected_table(old, new)
        assert json.loads(tool_ok(["--diff", old, new, "--json"])) == expected_json(old, new)
        # --filter-prefix applies to both reports.
        doc = json.loads(tool_ok(["--json", "--filter-prefix", "/w/obj", "--diff", old, new]))
        assert (doc["inputs"], doc["outputs"]) == ({"added": [], "removed": []},
                                                   {"added": [], "removed": []}), doc
        assert doc["processes"] == expected_json(old, new)["processes"]


def test_report_diff_of_a_report_with_itself_is_the_same():
    with workdir() as out:
        old = write_report(os.path.join(out, "old.msgpack"), small_build())
        table = tool_ok(["--diff", old, old]).decode()
        assert table.splitlines()[2] == "same: yes" and "(1)" not in table, table
        doc = json.loads(tool_ok(["--json", "--diff", old, old]))
        assert doc["same"] is True and doc["complete"] == {"old": False, "new": False}


def test_report_diff_matches_siblings_whatever_order_they_started_in():
    """Concurrent children start in any order: the same argv pairs up, pids do not matter."""
    with workdir() as out:
        files = [file_record("/w/a", read_threads=[1])]
        old = report([process(1, None, "make", "-j2"), process(2, 1, "cc", "a.c"),
                      process(3, 1, "cc", "b.c"), process(4, 3, "as", "b.s")], files)
        new = report([process(7, None, "make", "-j2"), process(8, 7, "cc", "b.c"),
                      process(9, 7, "cc", "a.c"), process(10, 8, "as", "b.s")],
                     [file_record("/w/a", read_threads=[7])])
        old_path = write_report(os.path.join(out, "old.msgpack"), old)
        new_path = write_report(os.path.join(out, "new.msgpack"), new)
        doc = json.loads(tool_ok(["--json", "--diff", old_path, new_path]))
        assert doc["same"] is True, doc


def test_report_diff_of_two_traced_runs():
    with workdir() as tmp, workdir() as out:
        write(os.path.join(tmp, "data.csv"), "b\na\n")
        write(os.path.join(tmp, "header.txt"), "h\n")
        write(os.path.join(tmp, "extra.txt"), "x\n")
        os.mkdir(os.path.join(tmp, "out"))
        jobs = {
            "v1": "sort data.csv > out/sorted.csv && cat header.txt out/sorted.csv > out/t.csv"
                  " && echo done > out/done.txt",
            "v2": "sort -r data.csv > out/sorted.csv && cat header.txt extra.txt out/sorted.csv"
                  " > out/t.csv && wc -l out/t.csv > out/count.txt && echo done > out/done.txt",
        }
        reports = {}
        for name, script in jobs.items():
            reports[name] = os.path.join(out, f"{name}.msgpack")
            run = trace(["sh", "-c", script], tmp, report=reports[name])
            assert run.exit_code == 0, run.stderr
        again = os.path.join(out, "v1-again.msgpack")
        assert trace(["sh", "-c", jobs["v1"]], tmp, report=again).exit_code == 0
        same = json.loads(tool_ok(["--json", "--filter-prefix", tmp, "--diff", reports["v1"],
                                   again]))
        assert same["same"] is True, same
        doc = json.loads(tool_ok(["--json", "--filter-prefix", tmp, "--diff", reports["v1"],
                                  reports["v2"]]))
        assert doc["inputs"] == {"added": [f"{tmp}/extra.txt", f"{tmp}/out/t.csv"],
                                 "removed": []}, doc["inputs"]
        assert doc["outputs"] == {"added": [f"{tmp}/out/count.txt"], "removed": []}, doc
        changed = sorted((c["old"]["command"], c["new"]["command"])
                         for c in doc["processes"]["command_changed"])
        assert changed == [
            (["cat", "header.txt", "out/sorted.csv"],
             ["cat", "header.txt", "extra.txt", "out/sorted.csv"]),
            (["sh", "-c", jobs["v1"]], ["sh", "-c", jobs["v2"]]),
            (["sort", "data.csv"], ["sort", "-r", "data.csv"])], changed
        assert [p["command"] for p in doc["processes"]["added"]] == [["wc", "-l", "out/t.csv"]]
        assert doc["processes"]["removed"] == []


def test_report_diff_usage_errors_are_exit_2():
    with workdir() as out:
        old = write_report(os.path.join(out, "old.msgpack"), small_build())
        for args in (["--diff", old], ["--diff", old, old, old], ["--diff", old, old, "--html"],
                     ["--diff", old, old, "--dot"], ["--diff"]):
            proc = run_tool([report_tool(), *args])
            assert proc.returncode == 2, f"{args}: exit {proc.returncode}; {proc.stderr!r}"
            assert proc.stdout == b"" and proc.stderr.startswith(b"roar-seccomp-report: "), proc
        missing = run_tool([report_tool(), "--diff", old,
                            os.path.join(out, "missing.msgpack")])
        assert missing.returncode == 1 and missing.stdout == b"", missing
        assert missing.stderr.decode() == (f"roar-seccomp-report: cannot open {out}/missing.msgpack:"
                                           " No such file or directory\n"), missing.stderr
