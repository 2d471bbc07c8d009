#!/usr/bin/env bash
# Installs what is missing, builds, traces a small pipeline, prints its report, writes it as HTML.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/setup.sh
cmake --preset dev >/dev/null
cmake --build --preset dev

demo=$(mktemp -d /tmp/roar-seccomp-demo-XXXXXX)
printf 'banana\napple\ncherry\n' > "$demo/fruit.txt"
echo "+ roar-seccomp $demo/report.msgpack -- sh -c 'sort fruit.txt > sorted.txt && cat sorted.txt'"
(cd "$demo" && "$OLDPWD/build/dev/bin/roar-seccomp" "$demo/report.msgpack" -- \
    sh -c 'sort fruit.txt > sorted.txt && cat sorted.txt')
echo
echo "+ roar-seccomp-report --filter-prefix $demo $demo/report.msgpack"
build/dev/bin/roar-seccomp-report --filter-prefix "$demo" "$demo/report.msgpack"
build/dev/bin/roar-seccomp-report --html --filter-prefix "$demo" "$demo/report.msgpack" \
    > "$demo/report.html"
echo
echo "The same report as a page: $demo/report.html (roar-seccomp-report --html)"
