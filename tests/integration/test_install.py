"""Installing and packaging the build under test: `cmake --install` into DESTDIR staging roots
(exact layout, relative links, prefixes /usr and /usr/local), the installed tracer's --preflight
and a traced run printed by the installed report tool; the Debian package (`cpack -G DEB` of this
build, or the one ROAR_DEB names): its fields, Depends computed by dpkg-shlibdeps, its contents,
`dpkg -x` into a scratch root; and, as root, a real `dpkg -i` / `apt-get remove` round trip."""
import contextlib
import gzip
import json
import os
import platform
import re
import shutil
import subprocess
import time

from roartest import SANITIZED, skip, workdir, write

BUILD = os.environ.get("ROAR_BUILD_DIR", "")
PACKAGE = "roar-seccomp"

# path -> link target, or None for a regular file.
LAYOUT = {
    "bin/roar-seccomp": None,
    "bin/roar-tracer-seccomp": "roar-seccomp",
    "bin/roar-seccomp-report": None,
    "bin/roar-seccomp-filter": None,
    # The fast path's preload library, found from bin/ as ../lib/roar-seccomp/ (x86-64 only).
    "lib/roar-seccomp/libroar-seccomp-fast.so": None,
    "share/man/man1/roar-seccomp.1.gz": None,
    "share/man/man1/roar-tracer-seccomp.1.gz": "roar-seccomp.1.gz",
    "share/man/man1/roar-seccomp-report.1.gz": None,
    "share/man/man1/roar-seccomp-filter.1.gz": None,
    "share/doc/roar-seccomp/copyright": None,
    "share/doc/roar-seccomp/README.md": None,
}
# What dpkg-shlibdeps finds in binaries built by g++ 12 against Debian 12's libseccomp.
DEPENDS = {"libc6", "libgcc-s1", "libseccomp2", "libstdc++6"}


def build_dir():
    if not BUILD:
        skip("ROAR_BUILD_DIR is not set: run the scenarios through ctest")
    if SANITIZED:
        skip("packages are made from optimised builds: an ASan build links the sanitizer runtimes")
    if not os.access(BUILD, os.W_OK):
        skip("cmake --install and cpack write install_manifest.txt into the build directory, "
             "which this user cannot write; the invoking user's run covers installing")
    return BUILD


def need(program, package):
    path = shutil.which(program)
    if path is None:
        skip(f"{program} is not installed (apt-get install {package})")
    return path


def run(argv, **kwargs):
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600,
                          **kwargs)
    assert proc.returncode == 0, f"{argv}: exit {proc.returncode}\n{proc.stdout[-2000:]!r}\n" \
                                 f"{proc.stderr[-2000:]!r}"
    return proc.stdout.decode(errors="replace")


def layout_under(root):
    """{relative path: link target or None} of every non-directory under root."""
    found = {}
    for top, _, files in os.walk(root):
        for name in files:
            path = os.path.join(top, name)
            rel = os.path.relpath(path, root)
            found[rel] = os.readlink(path) if os.path.islink(path) else None
    return found


def check_installed(prefix_dir, man=True):
    """The tracer under prefix_dir (its installed name for roar) passes its preflight; a traced
    run is printed by the installed report tool; the man pages are gzipped troff."""
    bindir = os.path.join(prefix_dir, "bin")
    proc = subprocess.run([os.path.join(bindir, "roar-tracer-seccomp"), "--preflight", "--json"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    result = json.loads(proc.stdout)
    assert proc.returncode == 0 and result["ok"] is True, (proc.returncode, result, proc.stderr)
    assert [c["name"] for c in result["checks"]] == ["kernel", "filter", "probe_run",
                                                     "fast_path"], result
    # The installed tracer finds its preload library from its own bin/, wherever the prefix is.
    if platform.machine() == "x86_64":
        fast = result["checks"][-1]["detail"]
        assert fast == "on: " + os.path.join(os.path.realpath(prefix_dir), "lib", "roar-seccomp",
                                             "libroar-seccomp-fast.so"), fast
    with workdir() as tmp:
        report = os.path.join(tmp, "r.msgpack")
        write(os.path.join(tmp, "in.txt"), "x\n")
        os.mkdir(os.path.join(tmp, "job"))
        run([os.path.join(bindir, "roar-seccomp"), report, "sh", "-c",
             "cat in.txt > job/out.txt"], cwd=tmp)
        table = run([os.path.join(bindir, "roar-seccomp-report"), "--filter-prefix",
                     os.path.join(tmp, "job"), report])
        assert re.search(rf"\nfiles \(1 under {re.escape(tmp)}/job\):\n"
                         rf"  -W  {re.escape(tmp)}/job/out\.txt  w=\d+\n$", table), table
    for page in () if not man else ("roar-seccomp", "roar-tracer-seccomp", "roar-seccomp-report",
                 "roar-seccomp-filter"):
        with gzip.open(os.path.join(prefix_dir, "share", "man", "man1", f"{page}.1.gz")) as f:
            assert f.read().startswith(b".\\\" roar-seccomp"), page


def test_install_layout_under_usr_and_usr_local_in_a_staging_root():
    build = build_dir()
    need("cmake", "cmake")
    for prefix in ("/usr", "/usr/local"):
        with workdir() as stage:
            run(["cmake", "--install", build, "--prefix", prefix],
                env=dict(os.environ, DESTDIR=stage))
            root = stage + prefix
            assert layout_under(stage) == {os.path.join(prefix[1:], k): v
                                           for k, v in LAYOUT.items()}, layout_under(stage)
            for path, target in LAYOUT.items():
                if target is None and path.startswith("bin/"):
                    assert os.access(os.path.join(root, path), os.X_OK), path
            check_installed(root)


@contextlib.contextmanager
def debian_package():
    """The .deb to test: ROAR_DEB, or one made with cpack from the build under test."""
    given = os.environ.get("ROAR_DEB", "")
    if given:
        assert os.path.isfile(given), f"ROAR_DEB={given} does not exist"
        yield given
        return
    build = build_dir()
    need("cpack", "cmake")
    need("dpkg-shlibdeps", "dpkg-dev")
    with workdir() as out:
        run(["cpack", "-G", "DEB", "-B", out, "--config", os.path.join(build, "CPackConfig.cmake")])
        debs = [n for n in os.listdir(out) if n.endswith(".deb")]
        assert len(debs) == 1, os.listdir(out)
        yield os.path.join(out, debs[0])


def package_names(depends):
    return {alternative.split()[0] for part in depends.split(",")
            for alternative in part.split("|")}


def test_package_fields_depends_contents_and_scratch_root():
    need("dpkg-deb", "dpkg")
    with debian_package() as deb:
        arch = run(["dpkg", "--print-architecture"]).strip()
        assert os.path.basename(deb) == f"{PACKAGE}_{version()}_{arch}.deb", deb
        fields = {name: run(["dpkg-deb", "-f", deb, name]).strip()
                  for name in ("Package", "Version", "Architecture", "Depends", "Section")}
        assert fields["Package"] == PACKAGE and fields["Version"] == version(), fields
        assert fields["Architecture"] == arch and fields["Section"] == "utils", fields
        assert package_names(fields["Depends"]) == DEPENDS, fields["Depends"]
        assert all("(>=" in part for part in fields["Depends"].split(",")), fields["Depends"]
        listing = {}
        for line in run(["dpkg-deb", "-c", deb]).splitlines():
            fields_ = line.split(None, 5)
            name, _, target = fields_[5].partition(" -> ")
            if not line.startswith("d"):
                listing[os.path.normpath(name)] = target or None
        assert listing == {os.path.join("usr", k): v for k, v in LAYOUT.items()}, listing
        with workdir() as scratch:
            run(["dpkg", "-x", deb, scratch])
            check_installed(os.path.join(scratch, "usr"))


def version():
    out = run([os.path.join(BUILD, "bin", "roar-seccomp"), "--version"]) if BUILD else ""
    if not out.startswith("roar-seccomp "):
        skip("the tracer's version is not at hand (ROAR_BUILD_DIR)")
    return out.split()[1]


def installed():
    proc = subprocess.run(["dpkg-query", "-W", "-f=${Status}", PACKAGE], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL)
    return proc.returncode == 0 and proc.stdout.decode() == "install ok installed"


def dpkg(argv):
    """dpkg or apt-get, waiting while another package manager holds the lock."""
    for _ in range(60):
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600,
                              env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        if proc.returncode == 0 or b"lock" not in proc.stderr:
            break
        time.sleep(5)
    assert proc.returncode == 0, f"{argv}: exit {proc.returncode}: {proc.stderr[-2000:]!r}"


def test_package_dpkg_install_and_apt_remove_round_trip():
    if os.geteuid() != 0:
        skip("dpkg -i needs root; the scratch-root test covers the package's contents")
    need("dpkg", "dpkg")
    need("apt-get", "apt")
    if installed():
        skip(f"{PACKAGE} is installed on this machine already: not replacing it")
    if os.path.lexists("/usr/bin/roar-seccomp") or os.path.lexists("/usr/bin/roar-tracer-seccomp"):
        skip("a roar-seccomp that no package owns is in /usr/bin: not overwriting it")
    with debian_package() as deb:
        try:
            dpkg(["dpkg", "-i", deb])
            assert installed()
            for path, target in LAYOUT.items():
                full = os.path.join("/usr", path)
                if path.startswith("share/man/") and not os.path.lexists(full):
                    continue  # images that exclude /usr/share/man from dpkg (path-exclude)
                assert os.path.lexists(full), full
                assert (os.readlink(full) if target else None) == target, full
            check_installed("/usr", man=os.path.exists("/usr/share/man/man1/roar-seccomp.1.gz"))
            dpkg(["apt-get", "remove", "-y", "-o", "DPkg::Lock::Timeout=300", PACKAGE])
            assert not installed()
            left = [p for p in LAYOUT if os.path.lexists(os.path.join("/usr", p))]
            assert left == [], f"apt-get remove left {left}"
        finally:
            if installed():
                subprocess.run(["dpkg", "--purge", PACKAGE], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
