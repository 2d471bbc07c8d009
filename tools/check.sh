#!/usr/bin/env bash
# Installs what is missing, then builds and runs the whole test suite: the optimised build
# (unit tests, and every integration scenario as the invoking user and, when that is root, again
# as user nobody), the release build and its Debian package (which the packaging scenarios check,
# install and remove again), a clang build (compiled, not run), the AddressSanitizer+UBSan build
# (unit tests and every integration scenario as the invoking user), and the libFuzzer targets for
# a bounded time. Warnings are errors in every build here. Any failure fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/setup.sh

echo "=== dev: configure and build" >&2
cmake --preset dev >/dev/null
cmake --build --preset dev

echo "=== release: configure, build (warnings as errors) and package" >&2
cmake --preset release -DROAR_WARNINGS_AS_ERRORS=ON >/dev/null
cmake --build --preset release
cpack --preset release
deb=$(ls -t build/release/roar-seccomp_*.deb | head -n 1)

echo "=== clang: configure and build (warnings as errors)" >&2
cmake --preset clang -DROAR_WARNINGS_AS_ERRORS=ON >/dev/null
cmake --build --preset clang

echo "=== dev: tests (the packaging scenarios with $deb)" >&2
ROAR_DEB="$PWD/$deb" ctest --preset dev

echo "=== asan: configure and build" >&2
cmake --preset asan >/dev/null
cmake --build --preset asan
echo "=== asan: tests (as the invoking user)" >&2
ctest --preset asan --label-exclude unprivileged

echo "=== fuzz" >&2
FUZZ_SECONDS=${FUZZ_SECONDS:-30} tools/fuzz.sh
