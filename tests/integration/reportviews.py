"""Helpers for the report-view scenarios: hand-made reports, running roar-seccomp-report, headless
Chromium (--dump-dom, --screenshot) and a small DOM read from what Chromium serialises."""
import html.parser
import os
import shutil
import struct
import subprocess
import tempfile

import msgpack

from roartest import REPORT_TOOL, skip

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("ROAR_SOURCE_DIR") or os.path.normpath(os.path.join(HERE, "..", ".."))

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--mute-audio"]


def report_tool():
    if not REPORT_TOOL:
        skip("ROAR_SECCOMP_REPORT is not set: run the scenarios through ctest")
    return REPORT_TOOL


def run_tool(argv, timeout=120):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)


def tool_ok(args, timeout=120):
    """stdout of `roar-seccomp-report ARGS...`, which must succeed silently."""
    proc = run_tool([report_tool(), *args], timeout)
    assert proc.returncode == 0, f"{args}: exit {proc.returncode}; stderr: {proc.stderr!r}"
    assert proc.stderr == b"", proc.stderr
    return proc.stdout


def write_report(path, report):
    with open(path, "wb") as f:
        f.write(msgpack.packb(report, use_bin_type=True))
    return path


def process(pid, parent, *argv):
    return {"pid": pid, "parent_pid": parent, "command": list(argv), "env": {"PATH": "/usr/bin"}}


def file_record(path, read_threads=(), written_threads=()):
    record = {"path": path, "read": bool(read_threads), "written": bool(written_threads)}
    if read_threads:
        record["read_threads"] = list(read_threads)
    if written_threads:
        record["written_threads"] = list(written_threads)
    return record


def report(processes, files, *, warnings=(), complete=True, start=1700000000.0, duration=2.5):
    """A report as the tracer writes it: files sorted bytewise, the derived lists omitted when
    empty."""
    files = sorted(files, key=lambda f: os.fsencode(f["path"]) if isinstance(f["path"], str)
                   else f["path"])
    doc = {"version": 1, "processes": processes, "files": files}
    for key, flag in (("opened_files", None), ("read_files", "read"), ("written_files", "written")):
        paths = [f["path"] for f in files if flag is None or f[flag]]
        if paths:
            doc[key] = paths
    doc.update({"env_accessed": processes[0]["env"], "start_time": start,
                "end_time": start + duration, "tracer_mode": "seccomp", "events_dropped": 0,
                "complete": complete})
    if warnings:
        doc["warnings"] = list(warnings)
    return doc


def small_build():
    """A make-like job: sh runs two compilers and a linker; a thread of the first compiler (tid
    that is no pid) writes a dependency file; one source name is not UTF-8."""
    processes = [
        process(100, None, "sh", "-c", "make all"),
        process(101, 100, "cc", "-c", "src/a.c", "-o", "obj/a.o"),
        process(102, 100, "cc", "-c", "src/b\ufffd.c"),
        process(104, 102, "as", "-o", "obj/b.o"),
        process(105, 100, "ld", "-o", "app", "obj/a.o", "obj/b.o"),
    ]
    files = [
        file_record("/w/src/a.c", read_threads=[101]),
        file_record(b"/w/src/b\xff.c", read_threads=[102]),
        file_record("/w/src/common.h", read_threads=[101, 102]),
        file_record("/w/obj/a.o", written_threads=[101], read_threads=[105]),
        file_record("/w/obj/b.o", written_threads=[104], read_threads=[105]),
        file_record("/w/obj/a.d", written_threads=[103]),
        file_record("/w/app", written_threads=[105]),
        file_record("/w/Makefile"),
        file_record("/usr/lib/libc.so.6", read_threads=[101, 102, 104, 105]),
    ]
    return report(processes, files, complete=False,
                  warnings=["io_uring was used: its I/O is not in this report",
                            "a <b>bold</b> & \\ warning"])


# ----------------------------------------------------------------------------- Chromium

def chromium():
    path = shutil.which("chromium")
    if path is None:
        skip("chromium is not installed (apt-get install chromium; tools/setup.sh installs it)")
    return path


def run_chromium(args, url, timeout):
    """Runs headless Chromium with a new empty profile; returns its stdout (bytes)."""
    with tempfile.TemporaryDirectory(prefix="roar-chromium-") as home:
        profile = os.path.join(home, "profile")
        os.mkdir(profile)
        env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=home, XDG_CACHE_HOME=home)
        try:
            proc = subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                                   *args, url], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  env=env, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            raise AssertionError(f"chromium did not render {url} within {timeout} s") from e
        assert proc.returncode == 0, f"chromium exit {proc.returncode}: {proc.stderr[-3000:]!r}"
        return proc.stdout


def dump_dom(page, fragment="", timeout=60):
    """The page's DOM after its script ran, as Chromium serialises it."""
    url = "file://" + page + (f"#{fragment}" if fragment else "")
    out = run_chromium(["--dump-dom"], url, timeout).decode()
    assert "</html>" in out, f"no document from chromium: {out[:500]!r}"
    return Dom(out)


def screenshot(page, png, width, height, fragment="", timeout=60):
    url = "file://" + page + (f"#{fragment}" if fragment else "")
    run_chromium([f"--window-size={width},{height}", f"--screenshot={png}"], url, timeout)
    assert os.path.exists(png), f"chromium wrote no screenshot {png}"
    return png


def png_size(path):
    """(width, height) of a PNG file, after checking its signature."""
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


# ----------------------------------------------------------------------------- DOM

VOID = {"meta", "input", "br", "img", "link", "hr", "col", "source", "wbr", "area", "base"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def classes(self):
        return set((self.attrs.get("class") or "").split())

    def walk(self):
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.walk()

    def find_all(self, tag=None, cls=None, **attrs):
        return [n for n in self.walk() if (tag is None or n.tag == tag)
                and (cls is None or cls in n.classes())
                and all(n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())]

    def find(self, tag=None, cls=None, **attrs):
        found = self.find_all(tag, cls, **attrs)
        assert found, f"no <{tag} class={cls} {attrs}> in the page"
        return found[0]


class Dom(html.parser.HTMLParser, Node):
    def __init__(self, text):
        html.parser.HTMLParser.__init__(self, convert_charrefs=True)
        Node.__init__(self, "#document", {}, None)
        self.source = text
        self._at = self
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self._at)
        self._at.children.append(node)
        if tag not in VOID:
            self._at = node

    def handle_startendtag(self, tag, attrs):
        self._at.children.append(Node(tag, attrs, self._at))

    def handle_endtag(self, tag):
        at = self._at
        while at is not self and at.tag != tag:
            at = at.parent
        if at is not self:
            self._at = at.parent

    def handle_data(self, data):
        self._at.children.append(data)

    def by_id(self, ident):
        return self.find(id=ident)

    def file_rows(self):
        """[(path, R, W, read by, written by)] of the files table, as shown."""
        return [tuple(td.text() for td in tr.find_all("td")) for tr in self.find_all("tr", "file")]

    def tree_pids(self):
        return [li.attrs["data-pid"] for li in self.find_all("li", "proc")]

    def graph(self):
        """Process nodes (pids), file nodes per side (paths) and edge counts of the SVG."""
        svg = self.by_id("graph")
        return {
            "processes": [g.attrs["data-pid"] for g in svg.find_all("g", "process")],
            "read": [g.attrs["data-path"] for g in svg.find_all("g", "read-side")],
            "written": [g.attrs["data-path"] for g in svg.find_all("g", "written-side")],
            "more": [g.find("text").text() for g in svg.find_all("g", "more")],
            "read_edges": len(svg.find_all("path", "read")),
            "written_edges": len(svg.find_all("path", "written")),
        }
