"""roar-seccomp-report --html: one self-contained page, checked in headless Chromium from Debian
(--dump-dom after the page's script ran): the summary, the process tree, the files table with its
filters and sort (set through the page address's #fragment), the lineage graph, escaped paths that
are not UTF-8, and a 100,000-file, 5,000-process report within a generous limit. A screenshot is
saved for people to look at (ROAR_SCREENSHOT_DIR, else a temporary directory; the path is
printed)."""
import os
import re
import tempfile
import time

from reportviews import (dump_dom, file_record, png_size, process, report,
                         screenshot, small_build, tool_ok, write_report)
from roartest import python3, trace, workdir, write

SMALL_ROWS = [
    ("/usr/lib/libc.so.6", "R", "", "101, 102, 104, 105", ""),
    ("/w/Makefile", "", "", "", ""),
    ("/w/app", "", "W", "", "105"),
    ("/w/obj/a.d", "", "W", "", "thread 103"),
    ("/w/obj/a.o", "R", "W", "105", "101"),
    ("/w/obj/b.o", "R", "W", "105", "104"),
    ("/w/src/a.c", "R", "", "101", ""),
    ("/w/src/b\\xff.c", "R", "", "102", ""),
    ("/w/src/common.h", "R", "", "101, 102", ""),
]
RENDER_LIMIT = 120  # seconds for Chromium to load and draw the 100,000-file page


def small_page(out, *args):
    source = write_report(os.path.join(out, "build.msgpack"), small_build())
    page = os.path.join(out, "build.html")
    with open(page, "wb") as f:
        f.write(tool_ok(["--html", *args, source]))
    return page


def rows_by_path(dom):
    return [row[0] for row in dom.file_rows()]


def test_report_html_is_self_contained():
    with workdir() as out:
        text = open(small_page(out), encoding="utf-8").read()
        assert text.startswith("<!DOCTYPE html>\n"), text[:100]
        assert ("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">") in text
        # Nothing that could load a resource: no src/href attributes, no CSS url() or @import,
        # no fetch or XHR in the script.
        for needle in (" src=", " href=", "url(", "@import", "fetch(", "XMLHttpRequest", "<link",
                       "<iframe", "<img"):
            assert needle not in text, needle
        assert text.count("</script>") == 2
        # A path made to end the data element and run a script stays a path: "<" is written as
        # \u003c in the data, and the page shows the path as text.
        evil = "/w/</script><script>document.title='owned'</script>"
        source = write_report(os.path.join(out, "evil.msgpack"), report(
            [process(1, None, "sh")], [file_record(evil, read_threads=[1])]))
        page = os.path.join(out, "evil.html")
        with open(page, "wb") as f:
            f.write(tool_ok(["--html", source]))
        text = open(page, encoding="utf-8").read()
        data = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', text,
                         re.S)
        assert data and "<" not in data.group(1) and "\\u003c/script>" in data.group(1)
        dom = dump_dom(page)
        assert dom.file_rows() == [(evil, "R", "", "1", "")], dom.file_rows()
        assert dom.find("title").text() == "roar-seccomp report: " + source


def test_report_html_summary_tree_files_and_graph_in_chromium():
    with workdir() as out:
        dom = dump_dom(small_page(out))
    assert dom.by_id("duration").text() == "2.500 s"
    complete = dom.by_id("complete")
    assert complete.classes() == {"no"} and complete.text().startswith("no: "), complete.text()
    assert dom.by_id("process-count").text() == "5"
    assert dom.by_id("file-count").text() == "9 (6 read, 4 written)", dom.by_id("file-count").text()
    warnings = [li.text() for li in dom.by_id("warnings").find_all("li")]
    assert warnings == ["io_uring was used: its I/O is not in this report",
                        "a <b>bold</b> & \\\\ warning"], warnings
    # The root's children are listed, the grandchild 104 waits until 102 is opened; the thread
    # that is no process's pid has its own list.
    assert dom.tree_pids() == ["100", "101", "102", "105", "103"], dom.tree_pids()
    commands = [s.text() for s in dom.by_id("tree").find_all("span", "cmd")]
    assert commands == ["sh -c make all", "cc -c src/a.c -o obj/a.o", "cc -c src/b\ufffd.c",
                        "ld -o app obj/a.o obj/b.o", "(not a process's pid)"], commands
    assert dom.file_rows() == SMALL_ROWS, dom.file_rows()
    assert dom.by_id("page-info").text() == "rows 1\u20139 of 9 matching, page 1 of 1"
    assert dom.graph() == {
        "processes": ["101", "102", "104", "105", "103"],
        "read": ["/usr/lib/libc.so.6", "/w/src/a.c", "/w/src/common.h", "/w/src/b\\xff.c",
                 "/w/obj/a.o", "/w/obj/b.o"],
        "written": ["/w/obj/a.o", "/w/obj/b.o", "/w/app", "/w/obj/a.d"],
        "more": [], "read_edges": 10, "written_edges": 4}, dom.graph()


def test_report_html_filters_and_sort_from_the_fragment():
    with workdir() as out:
        page = small_page(out)
        dom = dump_dom(page, "prefix=%2Fw%2Fsrc%2F&access=read")
        assert rows_by_path(dom) == ["/w/src/a.c", "/w/src/b\\xff.c", "/w/src/common.h"]
        assert dom.graph()["read"] == ["/w/src/a.c", "/w/src/common.h", "/w/src/b\\xff.c"]
        assert dom.graph()["written"] == []
        dom = dump_dom(page, "sort=readers&desc=1")
        assert rows_by_path(dom) == [
            "/usr/lib/libc.so.6", "/w/src/common.h", "/w/src/b\\xff.c", "/w/src/a.c",
            "/w/obj/b.o", "/w/obj/a.o", "/w/obj/a.d", "/w/app", "/w/Makefile"], dom.file_rows()
        dom = dump_dom(page, "sort=access")
        assert rows_by_path(dom)[:2] == ["/w/Makefile", "/usr/lib/libc.so.6"], dom.file_rows()
        assert rows_by_path(dom)[-2:] == ["/w/obj/a.o", "/w/obj/b.o"], dom.file_rows()
        # focus: process 102 and its descendant 104.
        dom = dump_dom(page, "process=102")
        assert rows_by_path(dom) == ["/usr/lib/libc.so.6", "/w/obj/b.o", "/w/src/b\\xff.c",
                                     "/w/src/common.h"], dom.file_rows()
        assert dom.by_id("focus-chip").text().startswith("process 102 and its descendants")
        assert dom.graph()["processes"] == ["102", "104"]
        assert [li.attrs["data-pid"] for li in dom.find_all("li", "focused")] == ["102"]
        dom = dump_dom(page, "access=neither")
        assert rows_by_path(dom) == ["/w/Makefile"]
        assert dom.find_all(id="graph-empty"), "no process touched an opened-only file"
        dom = dump_dom(page, "prefix=%2Fnowhere")
        assert dom.file_rows() == [] and dom.by_id("page-info").text() == "no file matches"


def test_report_html_filter_prefix_option_and_traced_run_screenshot():
    """A real traced job with --filter-prefix: every file under its directory is in the table with
    its flags, the root's command is in the tree; the screenshot is the README's picture."""
    with workdir() as tmp, workdir() as out:
        write(os.path.join(tmp, "data.csv"), "b,2\na,1\nc,3\n")
        write(os.path.join(tmp, "header.txt"), "name,value\n")
        write(os.path.join(tmp, "config.ini"), "[job]\n")
        os.mkdir(os.path.join(tmp, "out"))
        script = ("sort data.csv > out/sorted.csv && cat header.txt out/sorted.csv > out/table.csv"
                  " && wc -l out/table.csv > out/count.txt && head -c1 config.ini > /dev/null"
                  " && " + python3() + " -I -c \"open('out/bad\\xff.txt'.encode('latin1'), 'wb')"
                  ".write(open('out/table.csv', 'rb').read())\"")
        report_path = os.path.join(out, "job.msgpack")
        run = trace(["sh", "-c", script], tmp, report=report_path)
        assert run.exit_code == 0, run.stderr
        page = os.path.join(out, "job.html")
        with open(page, "wb") as f:
            f.write(tool_ok(["--html", "--filter-prefix", tmp, report_path]))
        dom = dump_dom(page)
        rel = {row[0][len(tmp) + 1:]: row[1] + row[2] for row in dom.file_rows()}
        assert rel == {"config.ini": "R", "data.csv": "R", "header.txt": "R",
                       "out/bad\\xff.txt": "W", "out/count.txt": "W", "out/sorted.csv": "RW",
                       "out/table.csv": "RW"}, rel
        root = run.root()
        assert dom.tree_pids()[0] == str(root["pid"])
        assert dom.find("span", "cmd").text() == "sh -c " + script.replace("\\", "\\\\")
        assert dom.by_id("file-count").text().endswith(f" under {tmp}"), dom.by_id("file-count")
        assert len(dom.graph()["processes"]) >= 4, dom.graph()
        shots = os.environ.get("ROAR_SCREENSHOT_DIR", "")
        try:
            os.makedirs(shots, exist_ok=True)
        except OSError:
            shots = ""
        if not shots or not os.access(shots, os.W_OK):
            shots = tempfile.mkdtemp(prefix="roar-screenshots-")
        png = screenshot(page, os.path.join(shots, "report-html.png"), 1280, 1300)
        assert png_size(png) == (1280, 1300), png_size(png)
        assert os.path.getsize(png) > 20000, "the screenshot is nearly empty"
        print(f"screenshot: {png}")


def big_report(processes=5000, files=100000):
    """A make -j over many directories: the root, 49 sub-makes, compilers under them; every file is
    read by one process and most are written by another."""
    procs = [process(1000, None, "make", "-j8")]
    for i in range(1, processes):
        parent = 1000 if i < 50 else 1000 + (i % 49) + 1
        procs.append(process(1000 + i, parent, "cc", "-c", f"dir{i % 100:03d}/unit{i}.c"))
    records = []
    for i in range(files):
        reader = 1000 + (i % (processes - 1)) + 1
        writer = [1000 + ((i * 7) % (processes - 1)) + 1] if i % 3 else []
        records.append(file_record(f"/big/dir{i // 1000:03d}/file{i:06d}.dat", [reader], writer))
    return report(procs, records)


def test_report_html_100000_files_and_5000_processes_render_in_time():
    with workdir() as out:
        source = write_report(os.path.join(out, "big.msgpack"), big_report())
        page = os.path.join(out, "big.html")
        started = time.monotonic()
        with open(page, "wb") as f:
            f.write(tool_ok(["--html", source]))
        made = time.monotonic() - started
        started = time.monotonic()
        dom = dump_dom(page, timeout=RENDER_LIMIT)
        rendered = time.monotonic() - started
        print(f"--html took {made:.1f} s for {os.path.getsize(page)} bytes; chromium {rendered:.1f} s")
        assert dom.by_id("process-count").text() == "5000"
        assert dom.by_id("file-count").text() == "100000 (100000 read, 66666 written)"
        rows = dom.file_rows()
        assert len(rows) == 100 and rows[0][0] == "/big/dir000/file000000.dat", rows[:2]
        assert dom.by_id("page-info").text() == \
            "rows 1\u2013100 of 100,000 matching, page 1 of 1,000"
        # The tree lists the root and its 49 children; the rest waits until opened.
        assert len(dom.tree_pids()) == 50, len(dom.tree_pids())
        # The graph draws the first 20 processes that touched a file, and 40 files per side.
        shown = set(range(1001, 1021))
        records = big_report()["files"]
        read = sum(1 for f in records if f["read_threads"][0] in shown)
        written = sum(1 for f in records if set(f.get("written_threads", [])) & shown)
        graph = dom.graph()
        assert graph["processes"] == [str(pid) for pid in sorted(shown)], graph["processes"]
        assert len(graph["read"]) == 40 and len(graph["written"]) == 40, graph
        assert graph["more"] == [f"+{read - 40:,} more files read",
                                 f"+{written - 40:,} more files written",
                                 "+4,979 more processes"], graph["more"]
        notes = " ".join(p.text() for p in dom.find_all("p", "note"))
        for said in ("100 rows per page", "open a process to list its children",
                     "At most 20 processes"):
            assert said in notes, said
        # A filter over all 100,000 files, sorted the other way, on the last page.
        dom = dump_dom(page, "prefix=%2Fbig%2Fdir099%2F&sort=path&desc=1&page=10",
                       timeout=RENDER_LIMIT)
        rows = dom.file_rows()
        assert [r[0] for r in rows[:2]] == ["/big/dir099/file099099.dat",
                                             "/big/dir099/file099098.dat"], rows[:2]
        assert dom.by_id("page-info").text() == "rows 901\u20131,000 of 1,000 matching, page 10 of 10"
