"""The benchmark's workloads (tools/bench.py), each a `bash -c` script run in a scratch directory,
at the full scale or a tiny one, and what they need made first: a big file, a generated C file, a
configured build tree, the roar-bench-pread helper (built, or compiled here from its source).
tools/bench.py's docstring lists them.

The first five (CORE) are the headline. A workload that cannot run here says why (`unavailable`).
"""
import os
import shlex
import shutil
import struct
import subprocess

from .report import fmt_count


SCALES = {
    "full": {"pread": 1_000_000, "big_mb": 200, "tar": ("/usr", "include"), "gcc_lines": 4000,
             "true": 500, "build_target": "roar_filters", "warmup": 1, "timeout": 3600},
    "tiny": {"pread": 2000, "big_mb": 2, "tar": ("/usr/include", "asm-generic"), "gcc_lines": 40,
             "true": 5, "build_target": "roar-bench-pread", "warmup": 0, "timeout": 120},
}

WORKLOAD_KEYS = ["pread", "cat", "tar", "gcc", "true", "pair", "busybox", "build"]
CORE = ["pread", "cat", "tar", "gcc", "true"]


def write_big(path, megabytes):
    chunk = os.urandom(1 << 20)
    with open(path, "wb") as f:
        for _ in range(megabytes):
            f.write(chunk)


def write_c_unit(path, lines):
    """About `lines` lines of independent functions with loops: -O2 has real work to do."""
    out = ["#include <stdio.h>", "#include <string.h>", ""]
    i = 0
    while len(out) < lines - 9:
        out += [f"int f{i}(const int* v, int n, char* out) {{",
                f"  int s = {i};",
                "  for (int k = 0; k < n; ++k) {",
                f"    s = s * 31 + (v[k] ^ (k << {i % 7 + 1}));",
                f"    if (s % {i % 13 + 3} == 0) s += (int)strlen(out);",
                "  }",
                '  return snprintf(out, 32, "%d:%d", s, n) + s;',
                "}"]
        i += 1
    out.append("int main(void) { return 0; }")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def elf_is_static(path):
    """True when the ELF file has no PT_INTERP program header (no dynamic loader)."""
    try:
        with open(path, "rb") as f:
            head = f.read(64)
            if head[:4] != b"\x7fELF" or head[4] != 2:
                return None
            phoff, = struct.unpack_from("<Q", head, 0x20)
            phentsize, phnum = struct.unpack_from("<HH", head, 0x36)
            f.seek(phoff)
            table = f.read(phentsize * phnum)
        return all(struct.unpack_from("<I", table, i * phentsize)[0] != 3 for i in range(phnum))
    except (OSError, struct.error):
        return None


class Workload:
    def __init__(self, key, label, script, before_each=None, note=None):
        self.key = key
        self.label = label
        self.script = script
        self.before_each = before_each  # untimed command run before every timed run
        self.note = note
        self.unavailable = None  # why it cannot run here


def helper(path, source, tmp, name):
    """The built helper, or one compiled now from its source with the system compiler."""
    if path and os.access(path, os.X_OK):
        return path, None
    cxx = shutil.which("c++") or shutil.which("g++")
    if cxx is None or not os.path.exists(source):
        return None, f"{name} is not built and cannot be compiled here (no c++ or no {source})"
    out = os.path.join(tmp, name)
    proc = subprocess.run([cxx, "-std=c++20", "-O2", "-pthread", source, "-o", out],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        return None, f"{name} is not built and compiling {source} failed: " + \
            proc.stderr.decode(errors="replace").strip()[-300:]
    return out, f"{name} compiled from {source} with {cxx}"


def make_workloads(args, scale, tmp, pread_bin, notes):
    big = os.path.join(tmp, "big.bin")
    one = os.path.join(tmp, "one.bin")
    unit = os.path.join(tmp, "unit.c")
    n = scale["pread"]
    tar_dir, tar_member = scale["tar"]
    tar_path = os.path.join(tar_dir, tar_member)
    q = shlex.quote
    w = {}
    w["pread"] = Workload("pread", f"{fmt_count(n)} one-byte preads",
                          f"{q(pread_bin)} {n} one.bin" if pread_bin else "")
    w["cat"] = Workload("cat", f"cat {scale['big_mb']} MB > /dev/null", "cat big.bin > /dev/null")
    w["tar"] = Workload("tar", f"tar cf - {tar_path} | cat > /dev/null",
                        f"tar cf - -C {q(tar_dir)} {q(tar_member)} | cat > /dev/null")
    w["gcc"] = Workload("gcc", f"gcc -O2 -c ({fmt_count(scale['gcc_lines'])} lines)",
                        "gcc -O2 -c unit.c -o unit.o")
    w["true"] = Workload("true", f"{scale['true']} x /bin/true from bash",
                         f"for ((i = 0; i < {scale['true']}; i++)); do /bin/true; done")
    w["pair"] = Workload("pair", f"2 processes x {fmt_count(n // 2)} preads at once",
                         f"{q(pread_bin)} {n // 2} one.bin two.bin" if pread_bin else "")
    w["busybox"] = Workload("busybox", f"busybox: cat {scale['big_mb']} MB | wc -c",
                            "busybox sh -c 'busybox cat big.bin | busybox wc -c > /dev/null'")
    build_dir = os.path.join(tmp, "build")
    target = scale["build_target"]
    w["build"] = Workload("build", f"cmake --build ({target}, from clean)",
                          f"cmake --build {q(build_dir)} --target {q(target)} > /dev/null",
                          before_each=["cmake", "--build", build_dir, "--target", "clean"])

    if not pread_bin:
        w["pread"].unavailable = w["pair"].unavailable = "no roar-bench-pread"
    if not os.path.isdir(tar_path) or shutil.which("tar") is None:
        w["tar"].unavailable = f"no tar or no {tar_path}"
    if shutil.which("gcc") is None:
        w["gcc"].unavailable = "no gcc"
    busybox = shutil.which("busybox")
    if busybox is None:
        w["busybox"].unavailable = "no busybox (apt-get install busybox-static)"
    elif elf_is_static(os.path.realpath(busybox)) is False:
        w["busybox"].note = f"{busybox} is dynamically linked, not Debian's busybox-static"
    if shutil.which("cmake") is None:
        w["build"].unavailable = "no cmake"
    elif not os.path.exists(os.path.join(args.source_dir, "CMakeLists.txt")):
        w["build"].unavailable = f"no project source at {args.source_dir}"

    selected = [k for k in WORKLOAD_KEYS if k in args.only]
    if "pair" in selected and "pread" not in selected:
        selected.insert(0, "pread")
        notes.append("pread added: the parallel pair is compared with it")
    chosen = [w[k] for k in selected]

    # Only what the chosen workloads use.
    keys = {x.key for x in chosen if not x.unavailable}
    if keys & {"cat", "busybox"}:
        write_big(big, scale["big_mb"])
    if keys & {"pread", "pair"}:
        for name in (one, os.path.join(tmp, "two.bin")):  # the pair reads one file each
            with open(name, "wb") as f:
                f.write(b"roar-bench\n")
    if "gcc" in keys:
        write_c_unit(unit, scale["gcc_lines"])
    if "build" in keys:
        generator = ["-G", "Ninja"] if shutil.which("ninja") else []
        configure = ["cmake", "-S", args.source_dir, "-B", build_dir, *generator,
                     "-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DROAR_BUILD_TESTS=OFF"]
        proc = subprocess.run(configure, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if proc.returncode != 0:
            w["build"].unavailable = ("configuring the project failed: "
                                      + proc.stderr.decode(errors="replace").strip()[-300:])
    return chosen
