#!/usr/bin/env bash
# Installs what is missing, then builds and runs the whole test suite twice: the optimised build
# and the AddressSanitizer+UBSan build. Integration tests run as the invoking user and, when that
# is root, again as user nobody. Any failure fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/setup.sh
for preset in dev asan; do
  echo "=== $preset: configure and build" >&2
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  echo "=== $preset: tests" >&2
  ctest --preset "$preset"
done
