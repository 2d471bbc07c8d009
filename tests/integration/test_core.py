"""Core attribution scenarios (README "Semantics"): exact read and written sets of everyday commands
(cat, cp, sort, and Python's sendfile, splice, copy_file_range, preadv and pwritev), exit statuses,
processes, and what passes through the tracer unchanged (stdin, stdout, environment). The
fixtures' exact system calls are test_exact_calls.py's.

Every scenario runs in its own roartest.workdir() and compares the exact sets of paths under it.
"""
import os

from roartest import (assert_files, ok, process_with, py, read_bytes, record, trace, workdir,
                      write)

CONTENT = b"gamma\nalpha\nbeta\n"


# ----------------------------------------------------------------------------- cat, cp, sort

def test_cat_to_pipe():
    with workdir() as tmp:
        write(os.path.join(tmp, "in.txt"), CONTENT)
        run = trace(["cat", "in.txt"], tmp)
        ok(run)
        assert run.stdout == CONTENT
        assert_files(run, reads={"in.txt"}, writes=set(), opened_only=set())
        assert record(run, tmp, "in.txt")["read_threads"] == [run.root()["pid"]]


def test_cat_to_regular_file_uses_copy_file_range():
    with workdir() as tmp:
        write(os.path.join(tmp, "in.txt"), CONTENT)
        with open(os.path.join(tmp, "out.txt"), "wb") as out:
            run = trace(["cat", "in.txt"], tmp, stdout=out)
        ok(run)
        assert read_bytes(os.path.join(tmp, "out.txt")) == CONTENT
        assert_files(run, reads={"in.txt"}, writes={"out.txt"}, opened_only=set())
        root = run.root()["pid"]
        assert record(run, tmp, "in.txt")["read_threads"] == [root]
        assert record(run, tmp, "out.txt")["written_threads"] == [root]


def test_cat_redirect_inside_traced_shell():
    with workdir() as tmp:
        write(os.path.join(tmp, "in.txt"), CONTENT)
        run = trace(["sh", "-c", "cat in.txt > out.txt"], tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "out.txt")) == CONTENT
        assert_files(run, reads={"in.txt"}, writes={"out.txt"}, opened_only=set())


def test_cp():
    with workdir() as tmp:
        write(os.path.join(tmp, "a"), CONTENT)
        run = trace(["cp", "a", "b"], tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "b")) == CONTENT
        assert_files(run, reads={"a"}, writes={"b"}, opened_only=set())


def test_sort_with_redirects_made_by_the_caller():
    with workdir() as tmp:
        write(os.path.join(tmp, "in.txt"), CONTENT)
        with open(os.path.join(tmp, "in.txt"), "rb") as src, \
                open(os.path.join(tmp, "out.txt"), "wb") as dst:
            run = trace(["sort"], tmp, stdin=src, stdout=dst)
        ok(run)
        assert read_bytes(os.path.join(tmp, "out.txt")) == b"alpha\nbeta\ngamma\n"
        assert_files(run, reads={"in.txt"}, writes={"out.txt"}, opened_only=set())


def test_sort_with_redirects_made_inside_traced_shell():
    with workdir() as tmp:
        write(os.path.join(tmp, "in.txt"), CONTENT)
        run = trace(["sh", "-c", "sort < in.txt > out.txt"], tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "out.txt")) == b"alpha\nbeta\ngamma\n"
        assert_files(run, reads={"in.txt"}, writes={"out.txt"}, opened_only=set())


# ----------------------------------------------------------------------------- python copies

def test_python_sendfile():
    with workdir() as tmp:
        write(os.path.join(tmp, "src"), CONTENT)
        code = (
            "import os\n"
            "i = os.open('src', os.O_RDONLY)\n"
            "o = os.open('dst', os.O_WRONLY | os.O_CREAT | os.O_TRUNC)\n"
            "n = os.sendfile(o, i, 0, 1 << 20)\n"  # explicit offset: the kernel's off_t pointer
            "print(n)\n")
        run = trace(py(code), tmp)
        ok(run)
        assert run.stdout == f"{len(CONTENT)}\n".encode()
        assert read_bytes(os.path.join(tmp, "dst")) == CONTENT
        assert_files(run, reads={"src"}, writes={"dst"}, opened_only=set())


def test_python_splice_file_to_pipe():
    with workdir() as tmp:
        write(os.path.join(tmp, "src"), CONTENT)
        code = (
            "import os\n"
            "r, w = os.pipe()\n"
            "i = os.open('src', os.O_RDONLY)\n"
            "n = os.splice(i, w, 1 << 16)\n"
            "os.close(w)\n"
            "os.write(1, os.read(r, 1 << 16))\n")
        run = trace(py(code), tmp)
        ok(run)
        assert run.stdout == CONTENT
        assert_files(run, reads={"src"}, writes=set(), opened_only=set())


def test_python_splice_pipe_to_file():
    with workdir() as tmp:
        code = (
            "import os\n"
            "r, w = os.pipe()\n"
            "os.write(w, b'piped\\n')\n"
            "o = os.open('dst', os.O_WRONLY | os.O_CREAT | os.O_TRUNC)\n"
            "print(os.splice(r, o, 6))\n")
        run = trace(py(code), tmp)
        ok(run)
        assert run.stdout == b"6\n"
        assert read_bytes(os.path.join(tmp, "dst")) == b"piped\n"
        assert_files(run, reads=set(), writes={"dst"}, opened_only=set())


def test_python_copy_file_range():
    with workdir() as tmp:
        write(os.path.join(tmp, "src"), CONTENT)
        code = (
            "import os\n"
            "i = os.open('src', os.O_RDONLY)\n"
            "o = os.open('dst', os.O_WRONLY | os.O_CREAT | os.O_TRUNC)\n"
            "print(os.copy_file_range(i, o, 1 << 20))\n")
        run = trace(py(code), tmp)
        ok(run)
        assert run.stdout == f"{len(CONTENT)}\n".encode()
        assert read_bytes(os.path.join(tmp, "dst")) == CONTENT
        assert_files(run, reads={"src"}, writes={"dst"}, opened_only=set())


def test_python_copy_file_range_at_end_of_source_moves_nothing():
    with workdir() as tmp:
        write(os.path.join(tmp, "src"), CONTENT)
        code = (
            "import os\n"
            "i = os.open('src', os.O_RDONLY)\n"
            "o = os.open('dst', os.O_WRONLY | os.O_CREAT | os.O_TRUNC)\n"
            f"print(os.copy_file_range(i, o, 1 << 20, {len(CONTENT)}))\n")
        run = trace(py(code), tmp)
        ok(run)
        assert run.stdout == b"0\n"
        assert_files(run, reads=set(), writes=set(), opened_only={"src", "dst"})


def test_python_preadv_and_pwritev():
    with workdir() as tmp:
        write(os.path.join(tmp, "r.txt"), b"0123456789")
        write(os.path.join(tmp, "w.txt"), b"..........")
        code = (
            "import os\n"
            "r = os.open('r.txt', os.O_RDONLY)\n"
            "a, b = bytearray(3), bytearray(3)\n"
            "n = os.preadv(r, [a, b], 2)\n"
            "w = os.open('w.txt', os.O_WRONLY)\n"
            "m = os.pwritev(w, [b'ab', b'cd'], 3)\n"
            "print(n, bytes(a + b).decode(), m)\n")
        run = trace(py(code), tmp)
        ok(run)
        assert run.stdout == b"6 234567 4\n"
        assert read_bytes(os.path.join(tmp, "w.txt")) == b"...abcd..."
        assert_files(run, reads={"r.txt"}, writes={"w.txt"}, opened_only=set())


# ----------------------------------------------------------------------------- exit statuses

def test_exit_status_is_passed_through_with_a_report():
    with workdir() as tmp:
        argv = ["sh", "-c", "exit 3"]
        run = trace(argv, tmp)
        assert run.exit_code == 3, run.stderr
        root = run.root()
        assert root["command"] == argv
        assert root["parent_pid"] is None


def test_killed_by_signal_exits_128_plus_signal():
    with workdir() as tmp:
        run = trace(["sh", "-c", "kill -TERM $$"], tmp)
        assert run.exit_code == 143, run.stderr
        assert run.root()["command"] == ["sh", "-c", "kill -TERM $$"]


def test_missing_command_exits_127_with_a_report():
    with workdir() as tmp:
        argv = ["roar-no-such-command-zz", "--flag", "arg"]
        run = trace(argv, tmp)
        assert run.exit_code == 127, run.stderr
        assert "roar-seccomp:" in run.stderr and "roar-no-such-command-zz" in run.stderr, \
            run.stderr
        assert len(run.stderr.strip().splitlines()) == 1, run.stderr
        assert run.stdout == b""
        procs = run.processes()
        assert len(procs) == 1, procs
        assert procs[0]["parent_pid"] is None
        assert procs[0]["command"] == argv
        assert_files(run, reads=set(), writes=set(), opened_only=set())


def test_missing_command_behind_an_unsearchable_path_directory_exits_127():
    """execvp skips a PATH directory it may not search (EACCES) and goes on looking; a command
    found in no directory is "not found" (127), not "found but not executable" (126). Only an
    unprivileged user meets the unsearchable directory (root searches it anyway)."""
    with workdir() as tmp:
        locked = os.path.join(tmp, "locked")
        os.mkdir(locked)
        os.chmod(locked, 0)
        try:
            env = dict(os.environ, PATH=f"{locked}:/usr/bin:/bin")
            argv = ["roar-no-such-command-zz"]
            run = trace(argv, tmp, env=env)
        finally:
            os.chmod(locked, 0o700)
        assert run.exit_code == 127, run.stderr
        assert "roar-seccomp:" in run.stderr and "not found" in run.stderr, run.stderr
        procs = run.processes()
        assert len(procs) == 1 and procs[0]["command"] == argv, procs


# ----------------------------------------------------------------------------- processes

def test_root_process_has_no_parent_and_the_given_argv():
    with workdir() as tmp:
        write(os.path.join(tmp, "in.txt"), CONTENT)
        # The shell forks cat (a command follows it), then prints its own argument.
        argv = ["sh", "-c", 'cat in.txt; echo "$1"', "-zero", "-a b"]
        run = trace(argv, tmp)
        ok(run)
        assert run.stdout == CONTENT + b"-a b\n"
        root = run.root()
        assert root["command"] == argv
        assert root["parent_pid"] is None
        cat = process_with(run, ["cat", "in.txt"])
        assert cat["parent_pid"] == root["pid"]
        assert record(run, tmp, "in.txt")["read_threads"] == [cat["pid"]]
        assert_files(run, reads={"in.txt"}, writes=set(), opened_only=set())


def test_background_child_is_waited_for():
    with workdir() as tmp:
        run = trace(["sh", "-c", "sleep 0.3 && echo x > late &"], tmp)
        ok(run)
        # The tracer returned only after the background writer finished.
        assert read_bytes(os.path.join(tmp, "late")) == b"x\n"
        assert_files(run, reads=set(), writes={"late"}, opened_only=set())
        sleep = process_with(run, ["sleep", "0.3"])
        writer = record(run, tmp, "late")["written_threads"]
        assert len(writer) == 1 and writer[0] != run.root()["pid"], writer
        assert sleep["parent_pid"] == writer[0]


# ----------------------------------------------------------------------------- pass-through

def test_stdin_and_stdout_pass_through_unchanged():
    data = bytes(range(256)) * 64
    with workdir() as tmp:
        r, w = os.pipe()
        try:
            os.write(w, data)  # 16 KiB: fits in the pipe before cat runs
            os.close(w)
            w = -1
            run = trace(["cat"], tmp, stdin=r)
        finally:
            os.close(r)
            if w >= 0:
                os.close(w)
        ok(run)
        assert run.stdout == data
        assert_files(run, reads=set(), writes=set(), opened_only=set())


def test_environment_passes_through():
    with workdir() as tmp:
        env = dict(os.environ, FOO="bar baz=qux")
        run = trace(["sh", "-c", 'printf %s "$FOO"'], tmp, env=env)
        ok(run)
        assert run.stdout == b"bar baz=qux"
        assert run.root()["env"].get("FOO") == "bar baz=qux"
        assert run.report["env_accessed"].get("FOO") == "bar baz=qux"
