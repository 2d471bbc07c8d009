#!/usr/bin/env bash
# Installs what is missing, then builds and runs the whole test suite: the optimised build
# (unit tests, and every integration scenario as the invoking user and, when that is root, again
# as user nobody), the AddressSanitizer+UBSan build (unit tests and every integration scenario as
# the invoking user), and the libFuzzer targets for a bounded time. Any failure fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/setup.sh

echo "=== dev: configure and build" >&2
cmake --preset dev >/dev/null
cmake --build --preset dev
echo "=== dev: tests" >&2
ctest --preset dev

echo "=== asan: configure and build" >&2
cmake --preset asan >/dev/null
cmake --build --preset asan
echo "=== asan: tests (as the invoking user)" >&2
ctest --preset asan --label-exclude unprivileged

echo "=== fuzz" >&2
FUZZ_SECONDS=${FUZZ_SECONDS:-30} tools/fuzz.sh
