#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs spin on the model of zerocp's free list and chunk life cycle.
#
#   run-model.sh MODEL.pml pass|fail [-DFLAG...]
#       Generates the verifier, compiles it and searches the whole state
#       space (exhaustive, safety properties: assertions and invalid end
#       states).  "pass": exit 0 when no property is violated.  "fail": the
#       configuration seeds a known bug; exit 0 only when spin finds a
#       counterexample, which is printed (the test fails if spin does NOT
#       find it).  ZCP_MODEL_OPT=-O0 (or -O1) overrides the optimisation
#       level of the verifier, chosen below by the expected result.
#   run-model.sh --sync MODEL.pml SRCDIR
#       Checks that every C line the model quotes (`C: ...`) still exists in
#       SRCDIR/zerocp, so that the model and the code are kept in step.
#
# Exit status 77 (skipped) when spin or a C compiler is missing.
set -u

if [ "${1:-}" = "--sync" ]; then
  model=$2
  srcdir=$3
  missing=0
  n=0
  tmp=$(mktemp)
  # Each quoted line: the text after "C: ", up to an optional "*/".
  sed -n 's@.*/\* C: \(.*\)$@\1@p' "$model" | sed 's@ *\*/ *$@@; s@ *$@@' > "$tmp"
  while IFS= read -r line; do
    n=$((n + 1))
    if ! cat "$srcdir"/zerocp/*.c "$srcdir"/zerocp/*.h | grep -qF -- "$line"; then
      echo "not in zerocp/ any more: $line"
      missing=$((missing + 1))
    fi
  done < "$tmp"
  rm -f "$tmp"
  echo "$n quoted C lines, $missing missing"
  if [ "$n" -eq 0 ] || [ "$missing" -ne 0 ]; then
    echo "the model no longer matches the code: update tests/model/ (see its header)"
    exit 1
  fi
  exit 0
fi

model=$1
expect=$2
shift 2

if ! command -v spin >/dev/null 2>&1; then
  echo "SKIP: spin is not installed (Debian: apt-get install spin); the model is not checked"
  exit 77
fi
CC=${CC:-cc}
if ! command -v "$CC" >/dev/null 2>&1; then
  echo "SKIP: no C compiler ($CC) to build spin's verifier"
  exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/zcp-model.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cp "$model" "$work/model.pml"
cd "$work" || exit 1

echo "spin -a $* $(basename "$model")"
if ! spin -a "$@" model.pml > spin.log 2>&1; then
  cat spin.log
  echo "spin could not parse the model"
  exit 1
fi
# Exhaustive search: no bitstate, no hash compaction.  COLLAPSE only
# compresses the stored states (lossless).  NOFAIR: no liveness here.
# Compiling pan.c takes ~20 s at -O1 and ~3 s at -O0, and -O1 searches
# about twice as fast: worth it for the full searches ("pass"), not for a
# seeded bug, whose counterexample comes within a second either way.
# A small full search is also quicker at -O0 (ZCP_MODEL_OPT).
case $expect in
  fail) opt=-O0 ;;
  *) opt=-O1 ;;
esac
case ${ZCP_MODEL_OPT:-} in
  -O0|-O1) opt=$ZCP_MODEL_OPT ;;
  '') ;;
  *) echo "ZCP_MODEL_OPT must be -O0 or -O1"; exit 2 ;;
esac
echo "verifier compiled with $opt"
if ! "$CC" $opt -w -DSAFETY -DNOFAIR -DCOLLAPSE -DVECTORSZ=1024 -o pan pan.c > cc.log 2>&1; then
  cat cc.log
  echo "the verifier did not compile"
  exit 1
fi

./pan -m1000000 > pan.log 2>&1
grep -E 'violated|errors:|states, stored|elapsed|max search depth|out of memory' pan.log

errors=$(sed -n 's/.*errors: \([0-9][0-9]*\).*/\1/p' pan.log | tail -n 1)
if [ -z "$errors" ]; then
  cat pan.log
  echo "the verifier did not finish"
  exit 1
fi
if grep -q 'max search depth too small\|out of memory' pan.log; then
  echo "the search was truncated: the result is not exhaustive"
  exit 1
fi

case $expect in
  pass)
    if [ "$errors" -ne 0 ]; then
      echo "PROPERTY VIOLATED; counterexample:"
      spin -t -p -g -l -k model.pml.trail "$@" model.pml 2>&1 | tail -n 80
      exit 1
    fi
    echo "all properties hold"
    exit 0
    ;;
  fail)
    if [ "$errors" -eq 0 ]; then
      echo "spin did NOT find the seeded bug: the model has lost the power to catch it"
      exit 1
    fi
    echo "counterexample found, as expected; its last steps:"
    spin -t -p -k model.pml.trail "$@" model.pml 2>&1 | grep -v '^ *$' | tail -n 40
    exit 0
    ;;
  *)
    echo "usage: run-model.sh MODEL.pml pass|fail [-DFLAG...]"
    exit 2
    ;;
esac
