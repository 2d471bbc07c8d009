"""The fast path (README, "Fast path"): dynamically linked programs load libroar-seccomp-fast.so,
through which a read or write skips its notification once the report can learn nothing new from
it. The report must be the same with it and without it (--fast-path off), whatever could make a
grant stale: another thread, a child of fork or vfork, a descriptor number reused, a rename; and
neither the library nor its LD_PRELOAD entry may show. The fx_fast fixture calls libc's read and
write, which the library interposes.
"""
import json
import os
import platform
import re
import subprocess

from roartest import (SANITIZED, assert_files, fixture, need_tool, ok, py, read_bytes, record, skip,
                      summary, trace, workdir, write)

CONTENT = b"0123456789\n"
OFF = ("--fast-path", "off")


def library():
    """The preload library beside the tracer under test, or a skip saying why there is none."""
    if platform.machine() != "x86_64":
        skip("the fast path exists on x86-64 only")
    tracer = os.environ.get("ROAR_SECCOMP", "")
    path = os.path.realpath(os.path.join(os.path.dirname(tracer), "..", "lib", "roar-seccomp",
                                         "libroar-seccomp-fast.so"))
    if not os.path.exists(path):
        skip(f"no preload library beside the tracer ({path})")
    return path


def notifications(run):
    """The count the tracer prints at -vv."""
    found = re.search(r"roar-seccomp: (\d+) notifications", run.stderr)
    assert found, run.stderr
    return int(found.group(1))


def both(cmd, setup=lambda tmp: None, **options):
    """The run with the fast path (default) and the run without it, each in a fresh directory
    that `setup` prepares."""
    runs = []
    for tracer_args in (("-vv",), ("-vv", *OFF)):
        with workdir() as tmp:
            setup(tmp)
            runs.append(trace(cmd, tmp, tracer_args=tracer_args, **options))
    return runs


def same_report(fast, slow):
    """The two runs' reports agree on every file of their directories (read, written, how many
    threads) and on every process (command, and environment but for the directory's name)."""
    def files(run):
        prefix = run.tmp + "/"
        return {path[len(prefix):]: (f["read"], f["written"], len(f.get("read_threads", [])),
                                     len(f.get("written_threads", [])))
                for path, f in run.files().items() if path.startswith(prefix)}

    def processes(run):
        return sorted([a.replace(run.tmp, "TMP") for a in p["command"]]
                      for p in run.processes())
    assert files(fast) == files(slow), (files(fast), files(slow))
    assert processes(fast) == processes(slow), (summary(fast), summary(slow))
    assert fast.report.get("complete") == slow.report.get("complete")
    assert fast.warnings() == slow.warnings()


def test_repeated_reads_and_writes_skip_their_notifications():
    library()
    for scenario, name in (("repeat-read", "in.bin"), ("repeat-write", "out.bin")):
        fast, slow = both(fixture_argv(scenario, name, "20000"),
                          lambda tmp: write(os.path.join(tmp, "in.bin"), CONTENT))
        ok(fast)
        ok(slow)
        assert notifications(fast) < 500, notifications(fast)
        assert notifications(slow) > 20000, notifications(slow)
        same_report(fast, slow)


def fixture_argv(*args):
    return [fixture("fx_fast"), *args]


def test_children_of_fork_and_vfork_are_attributed():
    """The parent's grant for its descriptor is not its child's: a child of fork has its table
    wiped, one of vfork shares the parent's memory but is not its owner."""
    library()
    for how in ("fork", "vfork"):
        with workdir() as tmp:
            run = trace(fixture_argv("child-write", "out.txt", how), tmp)
            ok(run)
            child = int(run.stdout.split()[1])
            parent = run.root()["pid"]
            assert read_bytes(os.path.join(tmp, "out.txt")) == b"parent\nparent\nchild\nparent\n"
            assert_files(run, reads=set(), writes={"out.txt"}, opened_only=set())
            assert record(run, tmp, "out.txt")["written_threads"] == sorted([parent, child]), how


def test_another_thread_is_attributed():
    library()
    with workdir() as tmp:
        run = trace(fixture_argv("thread-write", "out.txt"), tmp)
        ok(run)
        thread = int(run.stdout.split()[1])
        root = run.root()["pid"]
        assert record(run, tmp, "out.txt")["written_threads"] == sorted([root, thread])


def test_a_reused_descriptor_number_carries_its_new_file():
    library()

    def setup(tmp):
        write(os.path.join(tmp, "A"), CONTENT)
        write(os.path.join(tmp, "B"), CONTENT)
    fast, slow = both(fixture_argv("reuse", "A", "B"), setup)
    ok(fast)
    ok(slow)
    assert_files(fast, reads={"A", "B"}, writes={"A", "B"}, opened_only=set())
    same_report(fast, slow)


def test_a_file_read_and_closed_is_seen_once():
    """After the first read is recorded, the second read and the close go unseen: the library
    counts the close, and the descriptor number's next file is seen again."""
    library()
    count = 200

    def setup(tmp):
        for i in range(count):
            write(os.path.join(tmp, str(i)), CONTENT)
    fast, slow = both(fixture_argv("read-each", str(count)), setup)
    ok(fast)
    ok(slow)
    assert notifications(fast) < count * 1.5, notifications(fast)
    assert notifications(slow) > count * 2.5, notifications(slow)
    assert_files(fast, reads={str(i) for i in range(count)}, writes=set(), opened_only=set())
    same_report(fast, slow)


def test_an_unseen_close_by_another_thread_voids_this_threads_grant():
    """Thread 2 was granted reads of A through N; the main thread closes N unseen and opens B
    as N: thread 2's next read is B's, and must be seen."""
    library()

    def setup(tmp):
        write(os.path.join(tmp, "A"), CONTENT)
        write(os.path.join(tmp, "B"), CONTENT)
    fast, slow = both(fixture_argv("thread-reuse", "A", "B"), setup)
    for run in (fast, slow):
        ok(run)
        thread = int(run.stdout.split()[1])
        assert record(run, run.tmp, "B")["read_threads"] == [thread]
    same_report(fast, slow)


def test_a_file_renamed_while_open_is_read_under_its_new_name():
    """A rename gives an open file another name: the reads after it are the new name's."""
    library()
    code = ("import os\n"
            "fd = os.open('a', os.O_RDONLY)\n"
            "os.pread(fd, 1, 0); os.pread(fd, 1, 0)\n"
            "os.rename('a', 'b')\n"
            "os.pread(fd, 1, 0)\n")
    fast, slow = both(py(code), lambda tmp: write(os.path.join(tmp, "a"), CONTENT))
    ok(fast)
    ok(slow)
    assert_files(fast, reads={"a", "b"}, writes={"b"}, opened_only=set())
    same_report(fast, slow)


def test_the_report_never_shows_the_preload():
    """Neither the library nor the LD_PRELOAD entry is in the report; a preload of the user's own
    is kept, and the programs find it after the tracer's."""
    lib = library()
    user_lib = "/lib/x86_64-linux-gnu/libm.so.6"
    if not os.path.exists(user_lib):
        skip(f"{user_lib} is not here to preload")
    code = "import os\nprint(os.environ.get('LD_PRELOAD'))\nopen('x', 'w').write('x')\n"
    with workdir() as tmp:
        run = trace(py(code), tmp)
        ok(run)
        assert run.stdout.decode().strip() == lib, run.stdout
        for p in run.processes():
            assert "LD_PRELOAD" not in p["env"], p["env"]
        assert "LD_PRELOAD" not in run.report.get("env_accessed", {})
        assert lib not in run.files(), sorted(run.files())
        if SANITIZED:
            skip("the rest needs the tracer started with an LD_PRELOAD of the caller's, which an "
                 "AddressSanitizer build refuses (its runtime must come first)")
        env = dict(os.environ, LD_PRELOAD=user_lib)
        run = trace(py(code), tmp, env=env)
        ok(run)
        assert run.stdout.decode().strip() == f"{lib}:{user_lib}", run.stdout
        for p in run.processes():
            assert p["env"].get("LD_PRELOAD") == user_lib, p["env"]
        assert run.report["env_accessed"]["LD_PRELOAD"] == user_lib


def test_programs_without_the_library_keep_every_notification():
    """A static program, and one started without LD_PRELOAD, make every call notified."""
    library()
    busybox = need_tool("busybox")
    fast, slow = both([busybox, "sh", "-c", "busybox cat in > out"],
                      lambda tmp: write(os.path.join(tmp, "in"), CONTENT * 1000))
    ok(fast)
    assert_files(fast, reads={"in"}, writes={"out"}, opened_only=set())
    same_report(fast, slow)
    with workdir() as tmp:
        write(os.path.join(tmp, "in"), CONTENT)
        dropped = trace(["env", "-u", "LD_PRELOAD", fixture("fx_fast"), "repeat-read", "in",
                         "300"], tmp, tracer_args=("-vv",))
        ok(dropped)
        assert notifications(dropped) > 300, notifications(dropped)
        by_call = re.search(r"roar-seccomp: notifications by call: (.*)", dropped.stderr)
        assert by_call, dropped.stderr
        counts = dict((name, int(n)) for name, n in
                      (item.rsplit(" ", 1) for item in by_call.group(1).split(", ")))
        assert sum(counts.values()) == notifications(dropped), counts
        assert counts.get("pread64", 0) >= 300, counts
        assert_files(dropped, reads={"in"}, writes=set(), opened_only=set())


def test_a_program_that_used_nothing_of_the_library_runs_without_it():
    """A program whose run neither registered a table, nor started a process, nor made an exec is
    given the library no more in this run; a run of it that then makes many notified reads gives
    it back. The report is the same as without the fast path."""
    library()
    fx = fixture("fx_fast")
    script = (f"{fx} preloaded; echo $?; {fx} preloaded; echo $?; "
              f"{fx} repeat-read in 20 > /dev/null; {fx} preloaded; echo $?")
    fast, slow = both(["sh", "-c", script], lambda tmp: write(os.path.join(tmp, "in"), CONTENT))
    ok(fast)
    ok(slow)
    assert fast.stdout.decode().split() == ["10", "0", "10"], fast.stdout
    assert slow.stdout.decode().split() == ["0", "0", "0"], slow.stdout
    same_report(fast, slow)


def test_the_tracer_keeps_no_descriptor_for_a_process_that_is_gone():
    """An exec whose program runs without the library has its environment edited through the
    process's memory. The descriptor the tracer opens for that is closed at the exec: a run of
    many short processes leaves none behind (it once kept one per process, until the tracer ran
    out of descriptors)."""
    library()
    script = ("count() { ls /proc/$PPID/fd | wc -l; }; cat /proc/$PPID/comm; before=$(count); "
              "for i in $(seq 60); do /bin/true; done; echo $before $(count)")
    with workdir() as tmp:
        run = trace(["sh", "-c", script], tmp, tracer_args=("-vv",))
    ok(run)
    comm, counts = run.stdout.decode().splitlines()
    assert comm == "roar-seccomp", run.stdout
    before, after = (int(n) for n in counts.split())
    assert after - before <= 5, (before, after)


def test_equivalence_on_everyday_jobs():
    """Shell pipelines, copies, archives and an interpreter with threads: the same report
    either way."""
    library()
    jobs = [
        ["sh", "-c", "cat a | sort > b && cp b c && tr a-z A-Z < c > d && wc -l a b c d > counts"],
        ["sh", "-c", "tar cf t.tar a b 2>/dev/null; tar tf t.tar > list; gzip -k t.tar"],
        ["sh", "-c", "for i in 1 2 3 4 5; do cat a >> many; done; head -c 5 many > head"],
        py("import threading\n"
           "def w(n):\n"
           "    with open(f'thread{n}', 'w') as f:\n"
           "        for _ in range(200): f.write('x'); f.flush()\n"
           "ts = [threading.Thread(target=w, args=(n,)) for n in range(4)]\n"
           "[t.start() for t in ts]; [t.join() for t in ts]\n"
           "data = open('a').read() * 3\n"
           "open('tripled', 'w').write(data)\n"),
    ]

    def setup(tmp):
        write(os.path.join(tmp, "a"), b"pear\napple\nfig\n")
        write(os.path.join(tmp, "b"), b"")
    for job in jobs:
        fast, slow = both(job, setup)
        ok(fast)
        ok(slow)
        same_report(fast, slow)


def test_preflight_says_which_mode_runs_use():
    lib = library()
    tracer = os.environ["ROAR_SECCOMP"]
    for args, expected in (([], "on: " + lib), (["--fast-path", "off"], "off (--fast-path off)")):
        proc = subprocess.run([tracer, "--preflight", "--json", *args], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=120)
        result = json.loads(proc.stdout)
        fast = [c for c in result["checks"] if c["name"] == "fast_path"]
        assert len(fast) == 1 and fast[0]["ok"], result
        assert fast[0]["detail"].startswith(expected), fast


def test_a_sanitized_program_runs_as_it_would_without_the_tracer():
    """AddressSanitizer refuses to start unless its runtime is the first library loaded: the
    program's exec is given its environment without the tracer's entry, and it runs (on the
    notified path, attributed exactly)."""
    library()
    asan_cat = fixture("asan_cat")
    with workdir() as tmp:
        write(os.path.join(tmp, "in"), CONTENT)
        run = trace([asan_cat, "in"], tmp)
        ok(run)
        assert run.stdout == CONTENT, run.stdout
        assert "ASan" not in run.stderr, run.stderr
        assert_files(run, reads={"in"}, writes=set(), opened_only=set())
        # Started by a shell that has the library (the shell's exec of it is edited).
        run = trace(["sh", "-c", f"{asan_cat} in > out"], tmp)
        ok(run)
        assert "ASan" not in run.stderr, run.stderr
        assert_files(run, reads={"in"}, writes={"out"}, opened_only=set())


def test_no_loader_message_where_the_library_is_out_of_reach():
    """A mount namespace hides the library's directory: ld.so would say it cannot preload it.
    The exec is given its environment without the entry, so no message appears."""
    lib = library()
    unshare = need_tool("unshare")
    hide = f"mount -t tmpfs none {os.path.dirname(lib)} && cat in"
    with workdir() as tmp:
        write(os.path.join(tmp, "in"), CONTENT)
        probe = subprocess.run([unshare, "-rm", "sh", "-c", "true"], stderr=subprocess.PIPE)
        if probe.returncode != 0:
            skip(f"unshare -rm is refused here: {probe.stderr.decode().strip()}")
        run = trace([unshare, "-rm", "sh", "-c", hide], tmp)
        ok(run)
        assert run.stdout == CONTENT, run.stdout
        assert "ld.so" not in run.stderr and "preload" not in run.stderr, run.stderr
        assert_files(run, reads={"in"}, writes=set(), opened_only=set())
