#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Instructions per get+release pair, counted by callgrind: repeatable on a
# noisy machine, unlike times.  Only the instructions executed inside each
# peer's loop function (bench_<workload>_<peer>, and everything it calls)
# are counted, so setup and teardown do not count.
#
#   bench/callgrind-pairs.sh BUILDDIR [PAIRS] [PEER...]
#
# Prints "workload peer instructions-per-pair" lines; the 2-thread and
# 2-process workloads run the 1-thread loop and are not measured here
# (callgrind serializes threads).
set -eu

builddir=${1:?usage: $0 BUILDDIR [PAIRS] [PEER...]}
pairs=${2:-200000}
shift; [ $# -gt 0 ] && shift
bench="$builddir/bench/zcp-bench"
peers=${*:-floor zerocp zcp-list mutex malloc iceoryx boost}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 77; }

printf '%-20s %-9s %12s\n' workload peer instr/pair
for workload in 1-thread 1-thread-batch1000 mixed-sizes; do
  case $workload in
    1-thread) fn=single ;;
    1-thread-batch1000) fn=batch ;;
    mixed-sizes) fn=mixed ;;
  esac
  for peer in $peers; do
    out="$tmp/$peer-$fn.out"
    if ! valgrind --tool=callgrind --callgrind-out-file="$out" \
        --toggle-collect="*bench_${fn}_$(echo "$peer" | tr - _)*" \
        "$bench" --only "$peer" --workload "$workload" --pairs "$pairs" \
        >"$tmp/log" 2>&1; then
      if grep -q "unknown peer" "$tmp/log"; then
        continue   # not built (optional peer)
      fi
      cat "$tmp/log" >&2
      exit 1
    fi
    ir=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p; s/^totals: *\([0-9]*\).*/\1/p' "$out" | head -n 1)
    awk -v w="$workload" -v p="$peer" -v ir="$ir" -v n="$pairs" \
      'BEGIN { printf "%-20s %-9s %12.1f\n", w, p, ir / n }'
  done
done
