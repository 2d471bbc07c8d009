"""The source tree's layout (the architecture issue): each stage of the tracer includes only the
stages below it, no source file grows past 450 lines, and each says on its first line what it is
for.

The stages, from the bottom: util < report < filters < attribution < proc < notify < launch, the
folders supervisor/<stage>/ and include/roar/seccomp/<stage>/ (filters: the top-level filters/).
report and filters both rest on util alone; the preload library (supervisor/preload/) shares only
the fast path's ABI with the tracer; the report tool (tools/report/) must not need the tracer, and
the filter printer (tools/filter_tool.cpp) needs the filters alone.

The tree comes from ROAR_SOURCE_DIR (set by tests/integration/CMakeLists.txt); its files are the
ones git tracks, or every file found when the tree is not a git checkout.
"""
import os
import re
import subprocess

from roartest import skip

MAX_LINES = 450
FOLDERS = ("supervisor", "filters", "include", "tools", "tests")
SUFFIXES = (".cpp", ".hpp", ".c", ".h", ".py", ".sh", ".js", ".css")
C_SUFFIXES = (".cpp", ".hpp", ".c", ".h")
# Generated or data files are no source: inputs of the fuzzers.
DATA_FOLDERS = ("tests/fuzz/corpus/",)

STAGES = ["util", "report", "filters", "attribution", "proc", "notify", "launch"]
# Which stages' headers (roar/seccomp/<stage>/...) the files of each stage may include.
ALLOWED = {
    "util": {"util"},
    "report": {"util", "report"},
    "filters": {"util", "filters"},
    "attribution": {"util", "report", "filters", "attribution"},
    "proc": {"util", "report", "filters", "attribution", "proc"},
    "notify": {"util", "report", "filters", "attribution", "proc", "notify"},
    "launch": set(STAGES),
}
INCLUDE = re.compile(r'^\s*#\s*include\s*["<](roar/seccomp/([^/">]+)/[^">]+)[">]', re.M)


def source_dir():
    path = os.environ.get("ROAR_SOURCE_DIR", "")
    if not path:
        skip("ROAR_SOURCE_DIR is not set: run the scenarios through ctest")
    if not os.path.isdir(path):
        skip(f"ROAR_SOURCE_DIR={path} is not a directory here")
    return path


def git_files(root):
    """Tracked files under FOLDERS, or None when `root` is not a git checkout git can read (no
    git, or a .git this user cannot read). A checkout owned by another user is trusted for this
    one read-only listing (safe.directory)."""
    if not os.path.exists(os.path.join(root, ".git")):
        return None
    try:
        proc = subprocess.run(["git", "-c", "safe.directory=*", "-C", root, "ls-files",
                               "-z", "--", *FOLDERS],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=60)
    except OSError:
        return None
    if proc.returncode != 0:
        return None
    names = [n for n in proc.stdout.decode(errors="surrogateescape").split("\0") if n]
    # A tracked file deleted in the working tree is no longer part of it.
    return [n for n in names if os.path.isfile(os.path.join(root, n))]


def walked_files(root):
    """Every file under FOLDERS (no git), or None when none of them can be read."""
    found, readable = [], False
    for folder in FOLDERS:
        top = os.path.join(root, folder)
        if not os.access(top, os.R_OK | os.X_OK):
            continue
        readable = True
        for parent, dirs, files in os.walk(top):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in files:
                found.append(os.path.relpath(os.path.join(parent, name), root))
    return found if readable else None


def source_files():
    """(root, relative paths of the project's source files, sorted)."""
    root = source_dir()
    names = git_files(root)
    if names is None:
        names = walked_files(root)
    if names is None:
        skip(f"{root} is neither a git checkout git can list nor a tree this user can read")
    names = [n for n in names
             if n.endswith(SUFFIXES) and not n.startswith(DATA_FOLDERS)]
    if not names:
        skip(f"no source files found under {root}")
    return root, sorted(names)


def read_text(root, name):
    with open(os.path.join(root, name), encoding="utf-8", errors="replace") as f:
        return f.read()


def allowed_includes(name):
    """The stages `name` may include, a predicate on the included header for files with a rule
    of their own, or None when no rule applies to it."""
    parts = name.split("/")
    if parts[0] == "supervisor" and len(parts) > 2:
        if parts[1] == "preload":
            return lambda header: header == "roar/seccomp/filters/fast_path_abi.h"
        return ALLOWED.get(parts[1])
    if parts[:3] == ["include", "roar", "seccomp"] and len(parts) > 4:
        return ALLOWED.get(parts[3])
    if parts[0] == "filters":
        return ALLOWED["filters"]
    if parts[:2] == ["tools", "report"]:
        return {"util", "report"}
    if name == "tools/filter_tool.cpp":
        return {"util", "filters"}
    return None


def test_each_stage_includes_only_the_stages_below_it():
    root, names = source_files()
    checked, offences = 0, []
    for name in names:
        rule = allowed_includes(name)
        if rule is None or not name.endswith(C_SUFFIXES):
            continue
        checked += 1
        for header, stage in INCLUDE.findall(read_text(root, name)):
            ok = rule(header) if callable(rule) else stage in rule
            if not ok:
                offences.append(f"{name} includes {header}")
    assert checked > 0, f"no file of a stage found under {root}"
    assert not offences, "includes the file's stage may not make:\n" + "\n".join(offences)


def test_no_source_file_over_450_lines():
    root, names = source_files()
    long = []
    for name in names:
        lines = len(read_text(root, name).splitlines())
        if lines > MAX_LINES:
            long.append(f"{name}: {lines} lines")
    assert not long, f"source files over {MAX_LINES} lines:\n" + "\n".join(long)


def comment_opening(name):
    """What a comment on the first line of `name` starts with."""
    if name.endswith(".py"):
        return ("#", '"""', 'r"""')
    if name.endswith(".sh"):
        return ("#",)
    return ("//", "/*")


def test_each_source_file_says_what_it_is_for():
    root, names = source_files()
    silent = []
    for name in names:
        lines = read_text(root, name).splitlines()
        if lines and lines[0].startswith("#!"):
            lines = lines[1:]  # a script's shebang comes first
        first = lines[0].strip() if lines else ""
        opening = next((o for o in comment_opening(name) if first.startswith(o)), None)
        words = re.findall(r"[A-Za-z]{2,}", first[len(opening):]) if opening else []
        if len(words) < 2:
            silent.append(f"{name}: {first!r}")
    assert not silent, ("files whose first line is not a comment saying what they are for:\n"
                        + "\n".join(silent))
