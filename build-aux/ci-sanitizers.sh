#!/bin/sh
# ci-sanitizers.sh: build zerocp and run its tests under ASan+UBSan, TSan and
# valgrind memcheck, then fuzz each parser briefly
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
#   build-aux/ci-sanitizers.sh [BUILD_ROOT]
#
# BUILD_ROOT (default: $TMPDIR/zerocp-sanitizers) receives one build
# directory per run, wiped first.  Steps, each with its own test setup
# from the top-level meson.build:
#
#   asan      gcc, -fsanitize=address,undefined, every C suite (halting on
#             the first report, leaks included); then the Python/gjs
#             suites with libasan preloaded (setup asanbindings)
#   tsan      gcc, -fsanitize=thread, every C suite
#   valgrind  a plain build, every C suite under memcheck (children too)
#   fuzz      clang + libFuzzer + ASan/UBSan, each target for
#             ZCP_CI_FUZZ_SECONDS (default 60; 0 skips the step)
#
# The stress test runs fewer operations under the sanitizers (ZCP_STRESS_OPS
# in each setup).  ZCP_CI_STEPS selects steps (default "asan tsan valgrind
# fuzz").  Exits non-zero if any step fails; every step runs regardless.
#
# Needs (Debian 12): meson ninja-build gcc clang libclang-rt-14-dev valgrind
# libglib2.0-dev, plus what the normal build needs.

set -u

srcdir=$(cd "$(dirname "$0")/.." && pwd)
root=${1:-${TMPDIR:-/tmp}/zerocp-sanitizers}
steps=${ZCP_CI_STEPS:-asan tsan valgrind fuzz}
fuzz_seconds=${ZCP_CI_FUZZ_SECONDS:-60}
jobs=${ZCP_CI_JOBS:-2}
failed=""
common="-Ddocumentation=false -Dbenchmarks=false --buildtype=debugoptimized"

mkdir -p "$root"

step () {
  name=$1
  shift
  start=$(date +%s)
  echo "=== $name"
  if "$@"; then
    echo "=== $name: passed in $(( $(date +%s) - start )) s"
  else
    echo "=== $name: FAILED after $(( $(date +%s) - start )) s"
    failed="$failed $name"
  fi
}

configure () {
  dir=$root/$1
  shift
  rm -rf "$dir"
  meson setup "$dir" "$srcdir" $common "$@" > "$root/$(basename "$dir")-setup.log" 2>&1 ||
    { cat "$root/$(basename "$dir")-setup.log"; return 1; }
  ninja -C "$dir" > "$root/$(basename "$dir")-build.log" 2>&1 ||
    { tail -n 60 "$root/$(basename "$dir")-build.log"; return 1; }
}

run_asan () {
  CC=gcc configure asan -Db_sanitize=address,undefined -Db_lundef=false \
    -Dc_args=-fno-omit-frame-pointer || return 1
  status=0
  meson test -C "$root/asan" --setup asan --num-processes "$jobs" --print-errorlogs || status=1
  meson test -C "$root/asan" --setup asanbindings --suite bindings --suite i18n \
    --num-processes "$jobs" --print-errorlogs || status=1
  return $status
}

run_tsan () {
  CC=gcc configure tsan -Db_sanitize=thread -Db_lundef=false -Dintrospection=disabled || return 1
  meson test -C "$root/tsan" --setup tsan --num-processes "$jobs" --print-errorlogs
}

run_valgrind () {
  configure valgrind -Dintrospection=disabled || return 1
  meson test -C "$root/valgrind" --setup valgrind --num-processes "$jobs" --print-errorlogs
}

run_fuzz () {
  if [ "$fuzz_seconds" = 0 ]; then
    echo "fuzzing skipped (ZCP_CI_FUZZ_SECONDS=0)"
    return 0
  fi
  CC=clang configure fuzz -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false \
    -Dintrospection=disabled || return 1
  meson test -C "$root/fuzz" --suite fuzz --print-errorlogs || return 1
  "$srcdir/tests/fuzz/run-fuzzers.sh" "$root/fuzz" "$fuzz_seconds"
}

for s in $steps; do
  case $s in
    asan) step asan run_asan ;;
    tsan) step tsan run_tsan ;;
    valgrind) step valgrind run_valgrind ;;
    fuzz) step fuzz run_fuzz ;;
    *) echo "unknown step $s" >&2; failed="$failed $s" ;;
  esac
done

leftover=$(ls /dev/shm | grep '^zcp-' || true)
if [ -n "$leftover" ]; then
  echo "note: shared-memory objects named zcp-* are in /dev/shm:"
  echo "$leftover"
fi

if [ -n "$failed" ]; then
  echo "ci-sanitizers: FAILED:$failed"
  exit 1
fi
echo "ci-sanitizers: all passed"
