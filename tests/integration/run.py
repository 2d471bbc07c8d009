#!/usr/bin/env python3
"""Runs one integration scenario, `module::test_name`, for CTest.

Exit status: 0 passed, 1 failed, 77 skipped (the reason is printed). With --unprivileged the
scenario runs as user nobody: as root, the binaries and scenarios are staged in a world-readable
directory and the runner re-executes itself through setpriv(1).
"""
import argparse
import contextlib
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True

import roartest  # noqa: E402
import scratch_fs  # noqa: E402

NOBODY = 65534


def discover():
    """(name, machine-wide resources) of every scenario."""
    for name in sorted(os.listdir(HERE)):
        if not (name.startswith("test_") and name.endswith(".py")):
            continue
        module = importlib.import_module(name[:-3])
        for attr in sorted(vars(module)):
            func = getattr(module, attr)
            if attr.startswith("test_") and callable(func):
                yield f"{name[:-3]}::{attr}", getattr(func, "resource_locks", ())


def scenario(test):
    module_name, func_name = test.split("::")
    return getattr(importlib.import_module(module_name), func_name)


@contextlib.contextmanager
def machine_state(func, owner):
    """What a scenario asks the runner to make before it runs (as root): scratch file systems
    owned by `owner` (uid, gid), and devices usable by every user. Yields environment
    variables for the scenario; undoes everything afterwards."""
    kinds = getattr(func, "scratch_fs", ())
    with scratch_fs.prepared(kinds, owner) as env, contextlib.ExitStack() as stack:
        if owner[0] != 0 and os.geteuid() == 0:
            for device in getattr(func, "world_usable_devices", ()):
                stack.enter_context(device_mode(device, 0o666))
        yield env


@contextlib.contextmanager
def device_mode(path, mode):
    try:
        before = os.stat(path).st_mode & 0o7777
    except OSError:
        yield  # no such device: the scenario says so when it needs it
        return
    os.chmod(path, before | mode)
    try:
        yield
    finally:
        os.chmod(path, before)


def run_one(test):
    func = scenario(test)
    try:
        func()
    except roartest.Skip as e:
        print(f"SKIP: {e}")
        return 77
    except Exception:  # noqa: BLE001 - any failure is reported with its traceback
        traceback.print_exc()
        return 1
    print("PASS")
    return 0


def stage_and_drop_privileges(test):
    """Copies what the scenario needs where user nobody can read it, then runs it as nobody."""
    if shutil.which("setpriv") is None:
        print("SKIP: setpriv(1) is needed to drop privileges")
        return 77
    stage = tempfile.mkdtemp(prefix="roar-seccomp-unpriv-")
    try:
        os.chmod(stage, 0o755)
        env = dict(os.environ)
        # The tools keep the build's layout: bin/, and the preload library the tracer finds
        # from there at ../lib/roar-seccomp/.
        os.makedirs(os.path.join(stage, "bin"))
        for var in ("ROAR_SECCOMP", "ROAR_SECCOMP_REPORT", "ROAR_SECCOMP_FILTER"):
            if env.get(var) and os.path.exists(env[var]):
                dest = os.path.join(stage, "bin", os.path.basename(env[var]))
                shutil.copy2(env[var], dest)
                env[var] = dest
        libs = os.path.join(os.path.dirname(os.environ.get("ROAR_SECCOMP", "")), "..", "lib")
        if os.path.isdir(os.path.join(libs, "roar-seccomp")):
            shutil.copytree(os.path.join(libs, "roar-seccomp"),
                            os.path.join(stage, "lib", "roar-seccomp"))
        if env.get("ROAR_FIXTURES") and os.path.isdir(env["ROAR_FIXTURES"]):
            dest = os.path.join(stage, "fixtures")
            shutil.copytree(env["ROAR_FIXTURES"], dest, symlinks=True)
            env["ROAR_FIXTURES"] = dest
        tests = os.path.join(stage, "integration")
        shutil.copytree(HERE, tests, ignore=shutil.ignore_patterns("__pycache__"))
        for root, dirs, files in os.walk(stage):
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o755)
            for f in files:
                path = os.path.join(root, f)
                os.chmod(path, os.stat(path).st_mode | 0o444)
        env["HOME"] = stage
        env["ROAR_UNPRIVILEGED"] = "1"
        cmd = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--",
               sys.executable, os.path.join(tests, "run.py"), test]
        with machine_state(scenario(test), (NOBODY, NOBODY)) as scenario_env:
            env.update(scenario_env)
            return subprocess.call(cmd, env=env, cwd="/")
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--list", action="store_true", help="print every scenario and exit")
    parser.add_argument("--unprivileged", action="store_true", help="run as user nobody")
    parser.add_argument("test", nargs="?")
    args = parser.parse_args()
    if args.list:
        # "module::test" or "module::test|resource,resource" (tests/integration/CMakeLists.txt)
        for test, resources in discover():
            print(f"{test}|{','.join(resources)}" if resources else test)
        return 0
    if not args.test:
        parser.error("name a test (module::test_name), or --list")
    if args.unprivileged:
        if os.geteuid() == 0:
            return stage_and_drop_privileges(args.test)
        if not os.environ.get("ROAR_UNPRIVILEGED"):
            print("SKIP: already running unprivileged; the invoker variant covers this run")
            return 77
        return run_one(args.test)  # the root runner prepared the machine for us
    with machine_state(scenario(args.test), (os.geteuid(), os.getegid())) as env:
        os.environ.update(env)
        return run_one(args.test)


if __name__ == "__main__":
    sys.exit(main())
