#!/bin/sh
# run-fuzzers.sh: run every libFuzzer target of a fuzzing build for a while
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
#   CC=clang meson setup B -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false
#   ninja -C B
#   tests/fuzz/run-fuzzers.sh B [SECONDS_PER_TARGET] [JOBS]
#
# Each target starts from a copy of its seed corpus in tests/fuzz/corpus
# (new inputs go to B/tests/fuzz/work, never into the source tree) and runs
# for SECONDS_PER_TARGET seconds (default 60).  Crashes are written to
# B/tests/fuzz/artifacts; the script exits non-zero if any target failed.
set -u

builddir=${1:?usage: run-fuzzers.sh BUILDDIR [SECONDS] [JOBS]}
seconds=${2:-60}
jobs=${3:-1}
srcdir=$(cd "$(dirname "$0")" && pwd)
fuzzdir=$builddir/tests/fuzz
status=0

export G_DEBUG=fatal-criticals
export LC_ALL=C
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}

for target in segment-validate config-parse; do
  exe=$fuzzdir/fuzz-$target
  if [ ! -x "$exe" ]; then
    echo "run-fuzzers: $exe is missing (configure with -Dfuzzing=true)" >&2
    exit 1
  fi
  work=$fuzzdir/work/$target
  artifacts=$fuzzdir/artifacts/$target/
  mkdir -p "$work" "$artifacts"
  cp -n "$srcdir/corpus/$target"/* "$work"/ 2>/dev/null || true

  echo "== fuzz-$target: $seconds s"
  if ! "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -max_len=65536 -jobs="$jobs" -workers="$jobs" -print_final_stats=1 \
       -artifact_prefix="$artifacts" "$work" > "$fuzzdir/fuzz-$target.log" 2>&1; then
    echo "run-fuzzers: fuzz-$target FAILED; see $fuzzdir/fuzz-$target.log and $artifacts" >&2
    tail -n 40 "$fuzzdir/fuzz-$target.log" >&2
    status=1
  fi
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' \
    "$fuzzdir/fuzz-$target.log" | sed "s/^/  fuzz-$target /"
  echo "  corpus: $(ls "$work" | wc -l) inputs"
done

exit $status
