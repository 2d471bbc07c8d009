"""The command-line conventions of the tools: roar-seccomp-report names the file and what is wrong
with it (empty, truncated, not msgpack, not a report, wrong version) and exits 1; bad usage exits
2; --help and the man pages list every option, each used in an example."""
import os
import re

import msgpack

from reportviews import SOURCE_DIR, report_tool, run_tool, small_build, tool_ok, write_report
from roartest import TRACER, skip, workdir, write

TOOLS = os.path.join(SOURCE_DIR, "tools")


def one_line_error(argv, status):
    proc = run_tool(argv)
    assert proc.returncode == status, f"{argv}: exit {proc.returncode}; {proc.stderr!r}"
    assert proc.stdout == b"", proc.stdout[:300]
    return proc.stderr.decode()


def test_report_bad_input_names_the_file_and_what_is_wrong():
    tool = report_tool()
    with workdir() as out:
        good = msgpack.packb(small_build(), use_bin_type=True)
        newer = dict(small_build(), version=2)
        cases = {
            "empty.msgpack": (b"", "empty file, not a report"),
            "truncated.msgpack": (good[:len(good) // 2],
                                  "truncated: the file ends inside the msgpack data"),
            "garbage.msgpack": (b"\xc1\xc1", "not msgpack: the file holds bytes that no msgpack "
                                             "value starts with"),
            "text.txt": (b"this is not msgpack\n", "not a roar-seccomp report: the file holds one "
                                                    "msgpack value that is not a map"),
            "two.msgpack": (good + good, "not a roar-seccomp report: bytes after the report map"),
            "v2.msgpack": (msgpack.packb(newer, use_bin_type=True),
                           "report version 2, this tool reads version 1"),
        }
        for name, (data, why) in cases.items():
            path = write(os.path.join(out, name), data)
            for view in ("--table", "--json", "--html", "--dot"):
                err = one_line_error([tool, view, path], 1)
                assert err == f"roar-seccomp-report: {path}: {why}\n", (view, err)
            err = one_line_error([tool, "--diff", write_report(os.path.join(out, "ok.msgpack"),
                                                               small_build()), path], 1)
            assert err == f"roar-seccomp-report: {path}: {why}\n", ("--diff", err)
        err = one_line_error([tool, os.path.join(out, "none.msgpack")], 1)
        assert err == (f"roar-seccomp-report: cannot open {out}/none.msgpack: "
                       "No such file or directory\n"), err


def test_report_usage_errors_exit_2_with_the_reason():
    tool = report_tool()
    with workdir() as out:
        path = write_report(os.path.join(out, "r.msgpack"), small_build())
        cases = [
            ([], "REPORT is required"),
            ([path, path], "one REPORT only (two with --diff)"),
            (["--html", "--dot", path], "give at most one of --table, --json, --html, --dot"),
            (["--json", "--table", path], "give at most one of --table, --json, --html, --dot"),
            (["--diff", "--html", path, path], "--diff prints a table or, with --json, JSON"),
            (["--diff", path], "--diff needs two reports: OLD NEW"),
        ]
        for args, why in cases:
            err = one_line_error([tool, *args], 2)
            assert err == f"roar-seccomp-report: {why}\nRun with --help for more information.\n", err
        err = one_line_error([tool, "--no-such-option", path], 2)
        assert err.startswith("roar-seccomp-report: "), err
        err = one_line_error([tool, "--filter-prefix"], 2)
        assert err.startswith("roar-seccomp-report: "), err


def help_options(text):
    """Long options of a CLI11 --help text's Options: section."""
    section = text.split("\nOptions:\n", 1)[1].split("\n\n", 1)[0]
    return sorted(set(re.findall(r"^\s+(?:-\w,)?(--[\w-]+)", section, re.M)))


def help_examples(text):
    return text.split("\nExamples:\n", 1)[1].split("\nExit status:", 1)[0].splitlines()


def man_sections(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    sections = {}
    for part in re.split(r"^\.SH ", text, flags=re.M)[1:]:
        title, _, body = part.partition("\n")
        sections[title.strip('"')] = body.replace("\\-", "-")
    return sections


def man_options(section):
    """The long options a man page's OPTIONS section describes (.TP tag lines)."""
    tags = re.findall(r"^\.TP\n(.*)$", section, re.M)
    return sorted(set(o for tag in tags for o in re.findall(r"(--[\w-]+)", tag)))


def check_tool_documentation(tool, page):
    text = tool_ok_for(tool, ["--help"])
    options = help_options(text)
    assert "--help" in options and "--version" in options, options
    examples = help_examples(text)
    for option in options:
        assert any(option in line for line in examples), f"--help has no example of {option}"
    if not os.path.exists(page):
        skip(f"{page} is not at hand (the source tree is needed)")
    sections = man_sections(page)
    assert man_options(sections["OPTIONS"]) == options, (man_options(sections["OPTIONS"]), options)
    for option in options:
        assert option in sections["EXAMPLES"], f"{page}: no example of {option}"


def tool_ok_for(tool, args):
    proc = run_tool([tool, *args])
    assert proc.returncode == 0 and proc.stderr == b"", proc
    return proc.stdout.decode()


def test_report_help_and_man_page_list_every_option_with_an_example():
    check_tool_documentation(report_tool(), os.path.join(TOOLS, "roar-seccomp-report.1"))
    text = tool_ok(["--help"]).decode()
    for view in ("table", "json", "html", "dot", "diff"):
        assert re.search(rf"^  {view} ", text, re.M), f"--help does not describe the {view} view"


def test_filter_help_and_man_page_list_every_option_with_an_example():
    tool = os.environ.get("ROAR_SECCOMP_FILTER", "")
    if not tool:
        skip("ROAR_SECCOMP_FILTER is not set: run the scenarios through ctest")
    check_tool_documentation(tool, os.path.join(TOOLS, "roar-seccomp-filter.1"))


def test_tracer_man_page_lists_every_option_with_an_example():
    page = os.path.join(TOOLS, "roar-seccomp.1")
    if not os.path.exists(page):
        skip(f"{page} is not at hand (the source tree is needed)")
    if not TRACER:
        skip("ROAR_SECCOMP is not set: run the scenarios through ctest")
    sections = man_sections(page)
    options = man_options(sections["OPTIONS"])
    assert options == help_options(tool_ok_for(TRACER, ["--help"])), options
    for option in options:
        assert option in sections["EXAMPLES"], f"roar-seccomp.1: no example of {option}"
