#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs the benchmark and writes, into OUTDIR (default: BUILDDIR/bench-results):
#   results.txt   the text table (ns per pair, ratios, extras)
#   results.csv   the same figures as CSV (summary rows, then extras)
#   raw.csv       every single measurement (run, workload, peer, ns)
#   ns-per-pair.png  ns per get+release pair by workload and peer (gnuplot)
#   instructions.txt instructions per pair (callgrind), unless NO_CALLGRIND=1
#
#   bench/run-bench.sh BUILDDIR [OUTDIR] [zcp-bench options...]
set -eu

builddir=${1:?usage: $0 BUILDDIR [OUTDIR] [zcp-bench options...]}
outdir=${2:-$builddir/bench-results}
shift; [ $# -gt 0 ] && shift
here=$(cd "$(dirname "$0")" && pwd)
bench="$builddir/bench/zcp-bench"
mkdir -p "$outdir"

{
  echo "# zcp-bench, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "# machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs, $(uname -sr)"
  echo "# load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  "$bench" --runs "${RUNS:-7}" --csv "$outdir/results.csv" --raw "$outdir/raw.csv" --extras "$@"
  echo
  echo "# load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$outdir/results.txt"

if [ "${NO_CALLGRIND:-0}" != 1 ] && command -v valgrind >/dev/null; then
  "$here/callgrind-pairs.sh" "$builddir" 200000 | tee "$outdir/instructions.txt"
fi

# The plot: one cluster per workload, one bar per peer, log scale.
if command -v gnuplot >/dev/null; then
  awk -F, 'NR > 1 && $1 !~ /^(mgmt|layout)/ { print $1, $2, $3 }' "$outdir/results.csv" \
    > "$outdir/plot.dat"
  peers=$(awk '{ print $2 }' "$outdir/plot.dat" | awk '!seen[$0]++' | tr '\n' ' ')
  workloads=$(awk '{ print $1 }' "$outdir/plot.dat" | awk '!seen[$0]++' | tr '\n' ' ')
  # A matrix: one row per workload, one column per peer.
  {
    printf 'workload'; for p in $peers; do printf ' %s' "$p"; done; echo
    for w in $workloads; do
      printf '%s' "$w"
      for p in $peers; do
        v=$(awk -v w="$w" -v p="$p" '$1 == w && $2 == p { print $3 }' "$outdir/plot.dat")
        printf ' %s' "${v:-NaN}"
      done
      echo
    done
  } > "$outdir/plot-matrix.dat"
  n=$(echo $peers | wc -w)
  gnuplot <<GP
set terminal pngcairo size 1100,560 noenhanced font ",10"
set output "$outdir/ns-per-pair.png"
set title "ns per get+release pair of 256-byte chunks (median of interleaved runs; 2 workers: per worker)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set logscale y
set yrange [1:*]
set ylabel "ns per pair (log scale)"
set key top left
set grid ytics
set xtics nomirror
plot for [i=2:$((n + 1))] "$outdir/plot-matrix.dat" using i:xtic(1) title columnheader(i)
GP
  echo "plot: $outdir/ns-per-pair.png"
else
  echo "gnuplot not found: no plot" >&2
fi
