#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (build/fuzz) and runs each for a bounded time over a
# copy of its seed corpus. Exits non-zero if a target crashes, leaks, trips a sanitizer or fails
# one of its checks; the input that did it is kept under build/fuzz/artifacts/.
#
#   tools/fuzz.sh [SECONDS] [TARGET...]     SECONDS per target (default: $FUZZ_SECONDS, else 60)
#
# Targets: fuzz_notification (NotificationHandler over a byte-driven fake of the traced process),
# fuzz_report (the report decoder and the printer of roar-seccomp-report).
# Environment: FUZZ_SECONDS; FUZZ_WERROR=ON to build with warnings as errors (default OFF: clang
# warns where g++ does not, and the g++ builds of tools/check.sh enforce warnings);
# FUZZ_ARGS: extra libFuzzer flags (e.g. "-seed=1"). Reproduce a crash with
#   build/fuzz/tests/fuzz/<target> build/fuzz/artifacts/<target>-crash-...
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

seconds=${FUZZ_SECONDS:-60}
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
  seconds=$1
  shift
fi
if ! [[ $seconds =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "fuzz.sh: the time per target must be a positive number of seconds, not '$seconds'" >&2
  exit 2
fi
all_targets=(fuzz_notification fuzz_report)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=("${all_targets[@]}")
fi
for t in "${targets[@]}"; do
  if [[ " ${all_targets[*]} " != *" $t "* ]]; then
    echo "fuzz.sh: unknown target '$t' (known: ${all_targets[*]})" >&2
    exit 2
  fi
done

# Inputs longer than this are not tried: a run's notifications are bounded by the target anyway.
declare -A max_len=([fuzz_notification]=4096 [fuzz_report]=16384)
declare -A dict=([fuzz_report]=tests/fuzz/corpus/fuzz_report.dict)

# ---- tools ---------------------------------------------------------------------------------------
missing() {
  echo "fuzz.sh: $1; install it with: apt-get install $2" >&2
  exit 1
}
if ! command -v clang >/dev/null || ! command -v clang++ >/dev/null; then
  missing "clang is not installed (libFuzzer needs it)" "clang libclang-rt-14-dev"
fi
command -v cmake >/dev/null || missing "cmake is not installed" cmake
command -v ninja >/dev/null || missing "ninja is not installed" ninja-build
libfuzzer=$(clang++ --print-file-name="libclang_rt.fuzzer-$(uname -m).a")
[ -f "$libfuzzer" ] || missing "clang has no libFuzzer runtime (libclang_rt.fuzzer-$(uname -m).a)" \
  libclang-rt-14-dev

# ---- build ---------------------------------------------------------------------------------------
build=build/fuzz
echo "=== fuzz: configure and build ($build, clang)" >&2
# -O1 -g without NDEBUG: assertions stay on, stacks stay readable.
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja \
  -DROAR_FUZZ=ON -DROAR_BUILD_TESTS=ON \
  -DROAR_WARNINGS_AS_ERRORS="${FUZZ_WERROR:-OFF}" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" >/dev/null
cmake --build "$build" --target "${targets[@]}"

# ---- run -----------------------------------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/roar-seccomp-fuzz-XXXXXX")
trap 'rm -rf "$work"' EXIT
artifacts="$root/$build/artifacts"
mkdir -p "$artifacts"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
for t in "${targets[@]}"; do
  corpus="$work/$t-corpus"
  mkdir -p "$corpus" "$work/$t-artifacts"
  cp tests/fuzz/corpus/"$t"/* "$corpus"/
  seeds=$(find "$corpus" -type f | wc -l)
  log="$work/$t.log"
  flags=(-max_total_time="$seconds" -max_len="${max_len[$t]}" -timeout=10 -rss_limit_mb=2048
         -print_final_stats=1 -artifact_prefix="$work/$t-artifacts/")
  if [ -n "${dict[$t]:-}" ]; then
    flags+=(-dict="$root/${dict[$t]}")
  fi
  echo "=== fuzz: $t for ${seconds}s from $seeds seeds" >&2
  status=0
  # The working directory is the scratch directory: nothing is written into the source tree.
  # shellcheck disable=SC2086  # FUZZ_ARGS is a list of flags
  (cd "$work" && "$root/$build/tests/fuzz/$t" "${flags[@]}" ${FUZZ_ARGS:-} "$corpus") \
    >"$log" 2>&1 || status=$?
  cp "$log" "$artifacts/$t.log"
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)
  final=$(find "$corpus" -type f | wc -l)
  echo "$t: ${runs:-?} executions, ${cov:-no coverage line}, corpus $seeds -> $final inputs" >&2
  crashes=$(find "$work/$t-artifacts" -type f)
  if [ "$status" -ne 0 ] || [ -n "$crashes" ]; then
    failed+=("$t")
    echo "$t: FAILED (libFuzzer exit status $status); its report:" >&2
    # From the first sanitizer, libFuzzer or check message on, without the shadow-memory dump.
    awk '/^==[0-9]+==|^fuzz: |runtime error:|^ERROR: libFuzzer/ { p = 1 }
         /^Shadow bytes around/ { skip = 1 } /^==[0-9]+==ABORTING/ { skip = 0 }
         p && !skip' "$log" | head -80 >&2
    for c in $crashes; do
      cp "$c" "$artifacts/$t-$(basename "$c")"
      echo "$t: input kept as $build/artifacts/$t-$(basename "$c")" >&2
      echo "$t: reproduce with: $build/tests/fuzz/$t $build/artifacts/$t-$(basename "$c")" >&2
    done
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: crashes in ${failed[*]} (logs in $build/artifacts/)" >&2
  exit 1
fi
echo "fuzz.sh: no crashes in ${targets[*]} (${seconds}s each)" >&2
