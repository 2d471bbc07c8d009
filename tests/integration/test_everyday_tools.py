"""Everyday tools at scale (README "Semantics"): make with gcc, a tar round trip, `xargs -P4 cp`,
two thousand files written then read by cat, three hundred processes and eight threads each
writing a file of their own: exact read and written sets, and each file's writer.

Every scenario runs in its own roartest.workdir() and compares exact sets.
"""
import os

from roartest import (assert_files, need_tool, ok, py, python3, read_bytes, record, trace,
                      workdir, write)

CONTENT = b"gamma\nalpha\nbeta\n"


# ----------------------------------------------------------------------------- tools

def test_make_with_gcc_compiles_objects():
    """make builds two objects with `gcc -c`: the Makefile, .c and .h files read; the .o
    files written; nothing else in the project directory. (GNU as opens each .o
    O_RDWR|O_CREAT|O_TRUNC and reads back what it wrote: see
    test_read_back_through_own_o_trunc_fd_is_not_a_read.)"""
    need_tool("make")
    need_tool("gcc")
    with workdir() as tmp:
        write(os.path.join(tmp, "Makefile"),
              "all: main.o util.o\n"
              "%.o: %.c util.h\n"
              "\tgcc -c $< -o $@\n")
        write(os.path.join(tmp, "util.h"), "int util(int);\n")
        write(os.path.join(tmp, "util.c"), '#include "util.h"\nint util(int x) { return x + 1; }\n')
        write(os.path.join(tmp, "main.c"),
              '#include "util.h"\nint main(void) { return util(-1); }\n')
        run = trace(["make", "-s"], tmp)
        ok(run)
        assert os.path.exists(os.path.join(tmp, "main.o"))
        assert_files(run, reads={"Makefile", "main.c", "util.c", "util.h"},
                     writes={"main.o", "util.o"}, opened_only=set())


def test_tar_round_trip():
    """tar -c of src/ into a.tar, then tar -x into out/: sources read, the archive written then
    read, the extracted files written."""
    with workdir() as tmp:
        os.makedirs(os.path.join(tmp, "src/sub"))
        write(os.path.join(tmp, "src/a.txt"), CONTENT)
        write(os.path.join(tmp, "src/sub/b.txt"), CONTENT * 3)
        run = trace(["sh", "-c", "tar -cf a.tar -C src . && mkdir out && tar -xf a.tar -C out"],
                    tmp)
        ok(run)
        assert read_bytes(os.path.join(tmp, "out/sub/b.txt")) == CONTENT * 3
        assert_files(run, reads={"src/a.txt", "src/sub/b.txt", "a.tar"},
                     writes={"a.tar", "out/a.txt", "out/sub/b.txt"}, opened_only=set())


def test_xargs_parallel_cp():
    """`xargs -P4 cp` over 40 files: every source read, every copy written."""
    with workdir() as tmp:
        os.mkdir(os.path.join(tmp, "src"))
        os.mkdir(os.path.join(tmp, "dst"))
        names = [f"f{i:02d}" for i in range(40)]
        for n in names:
            write(os.path.join(tmp, "src", n), f"{n}\n".encode() * 50)
        run = trace(["sh", "-c", "cd src && printf '%s\\n' * | xargs -P4 -I{} cp {} ../dst/{}"],
                    tmp)
        ok(run)
        assert sorted(os.listdir(os.path.join(tmp, "dst"))) == names
        assert_files(run, reads={f"src/{n}" for n in names}, writes={f"dst/{n}" for n in names},
                     opened_only=set())
        assert len(run.processes()) >= 42  # sh, printf-less sh, xargs and 40 cp


def test_two_thousand_files_written_then_read_by_cat():
    """One python process writes 2,000 files; one cat reads them all back."""
    with workdir() as tmp:
        code = ("for i in range(2000):\n"
                "    with open(f'f{i:04d}', 'w') as f:\n"
                "        f.write(f'{i}\\n')\n")
        run = trace(["sh", "-c", '"$0" -I -c "$1" && cat f* | wc -c', python3(), code], tmp)
        ok(run)
        names = {f"f{i:04d}" for i in range(2000)}
        assert int(run.stdout) == sum(len(f"{i}\n") for i in range(2000))
        assert_files(run, reads=names, writes=names, opened_only=set())


def test_three_hundred_processes_each_write_a_file():
    """300 background subshells each write their own file: all written, each by its own
    process, and all 300 processes in the report."""
    with workdir() as tmp:
        run = trace(["sh", "-c", "for i in $(seq 300); do echo $i > f$i & done; wait"], tmp)
        ok(run)
        names = {f"f{i}" for i in range(1, 301)}
        assert_files(run, reads=set(), writes=names, opened_only=set())
        assert len(run.processes()) >= 301, len(run.processes())
        writers = [tuple(record(run, tmp, n)["written_threads"]) for n in sorted(names)]
        assert all(len(w) == 1 for w in writers), writers
        assert len(set(writers)) == 300
        pids = {p["pid"] for p in run.processes()}
        assert {w[0] for w in writers} <= pids


def test_eight_threads_each_write_their_own_file():
    """Eight python threads each write their own file: each file's written_threads is exactly
    the thread that wrote it, eight distinct thread ids, none the main thread."""
    with workdir() as tmp:
        code = ("import os, threading\n"
                "go = threading.Barrier(8)\n"
                "def work(i):\n"
                "    go.wait()\n"
                "    with open(f't{i}', 'w') as f:\n"
                "        f.write('x')\n"
                "    print(i, threading.get_native_id(), flush=True)\n"
                "ts = [threading.Thread(target=work, args=(i,)) for i in range(8)]\n"
                "for t in ts: t.start()\n"
                "for t in ts: t.join()\n")
        run = trace(py(code), tmp)
        ok(run)
        tid_of = dict(tuple(map(int, line.split())) for line in run.stdout.splitlines())
        assert sorted(tid_of) == list(range(8)), run.stdout
        assert len(set(tid_of.values())) == 8 and run.root()["pid"] not in tid_of.values()
        assert_files(run, reads=set(), writes={f"t{i}" for i in range(8)}, opened_only=set())
        for i, tid in tid_of.items():
            assert record(run, tmp, f"t{i}")["written_threads"] == [tid], i
        procs = [(p["pid"], p["parent_pid"], p["command"]) for p in run.processes()]
        assert len(procs) == 1, procs  # threads are not processes
