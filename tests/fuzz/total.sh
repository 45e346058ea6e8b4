#!/bin/sh
# Sum $FUZZ_BUILD/fuzz-log.tsv (written by tests/fuzz/run.sh) per target:
# runs, total seconds, total executions, highest cov and ft, crashes.
#   sh tests/fuzz/total.sh [build-fuzz/fuzz-log.tsv]
log=${1:-${FUZZ_BUILD:-build-fuzz}/fuzz-log.tsv}
[ -f "$log" ] || { echo "total.sh: no $log" >&2; exit 1; }
awk -F'\t' '
{ runs[$2]++; secs[$2] += $3; execs[$2] += $4; crash[$2] += $7
  if ($5 > cov[$2]) cov[$2] = $5; if ($6 > ft[$2]) ft[$2] = $6 }
END {
  printf "%-16s %5s %8s %14s %7s %7s %8s\n", "target", "runs", "seconds", "executions", "cov", "ft", "crashes"
  n = 0; for (t in runs) names[++n] = t
  for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (names[j] < names[i]) { x = names[i]; names[i] = names[j]; names[j] = x }
  for (i = 1; i <= n; i++) { t = names[i]
    printf "%-16s %5d %8d %14.0f %7d %7d %8d\n", t, runs[t], secs[t], execs[t], cov[t], ft[t], crash[t] }
}' "$log"
