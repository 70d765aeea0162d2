#!/usr/bin/env bash
# bench/run.sh - trailql vs DuckDB vs the decompression floor on the seed rule.
# See bench/README.md. Usage:
#   bench/run.sh [-n SIZE] [-r RUNS] [-f] [-D] [-K]
#     -n SIZE  records in the corpus (default 500000; 50000 for a quick run)
#     -r RUNS  runs per measurement; the table shows the MEDIAN wall time (default 3)
#     -f       force regeneration of the corpora
#     -D       skip the 2x-size corpus (peak-RSS flatness check)
#     -K       also time a Kafka backfill through kfake: ingest, then 1, 2 and 3 consumers
#     -B       also run all 25 bundled rules (and on the 2x corpus), their time over the seed rule's from
#              alternating runs, and time start-up on the 43-record example and on all of examples/ (1,882 records)
#     -R       also run each bundled rule alone: which rule costs what (25 runs)
#     -Q       also run the seed rule and all bundled rules on an 8x-size corpus (4M records; generation
#              takes about 20 minutes and 11 GB of memory for -n 500000: run it where that fits)
set -euo pipefail
export LC_ALL=C

SIZE=${SIZE:-500000}
RUNS=${RUNS:-3}
FORCE=${FORCE:-0}
DOUBLE=${DOUBLE:-1}
KAFKA=${KAFKA:-0}
BUNDLED=${BUNDLED:-0}
PERRULE=${PERRULE:-0}
QUAD=${QUAD:-0}
while getopts "n:r:fDKBRQh" opt; do
  case $opt in
    n) SIZE=$OPTARG ;;
    r) RUNS=$OPTARG ;;
    f) FORCE=1 ;;
    D) DOUBLE=0 ;;
    K) KAFKA=1 ;;
    B) BUNDLED=1 ;;
    R) PERRULE=1 ;;
    Q) QUAD=1 ;;
    *) sed -n '2,14p' "$0"; exit 2 ;;
  esac
done

BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH")
DATA=$BENCH/data
BIN=$DATA/bin
GEN=${GEN:-$ROOT/../shared/tools/gen_cloudtrail.py}
TIME=/usr/bin/time
mkdir -p "$BIN"
cd "$ROOT"

die() { echo "bench: $*" >&2; exit 1; }

# GNU time gives peak RSS (%M, KiB) and wall time (%e); install it if missing.
if ! "$TIME" -f %M true >/dev/null 2>&1; then
  echo "bench: installing GNU time" >&2
  (apt-get update -qq && apt-get install -y -qq time) >/dev/null || die "need GNU time at $TIME"
fi
[ -f "$GEN" ] || die "generator not found: $GEN (set GEN=)"

echo "bench: building" >&2
CGO_ENABLED=0 go build -o "$BIN/trailql" ./cmd/trailql
go build -o "$BIN/floor" ./bench/floor
go build -o "$BIN/gz2ndjson" ./bench/gz2ndjson
go build -o "$BIN/latedeliver" ./bench/latedeliver
go build -o "$BIN/alertkeys" ./bench/alertkeys
go build -o "$BIN/kfake" ./bench/kfake
(cd bench/duckdb && go build -o "$BIN/duckdb-bench" .)

# corpus N: make bench/data/nN/{gz/,events.ndjson} unless already complete.
# The gzip tree comes from the shared generator (background mix at 50 events/s
# plus one discovery burst per 2,500 records); the NDJSON file holds exactly
# the same records (bench/gz2ndjson).
corpus() {
  local n=$1 dir=$DATA/n$1
  # gz/ appears (by rename) only once the generator has finished.
  if [ "$FORCE" = 1 ] || [ ! -d "$dir/gz" ]; then
    local bursts=$((n / 2500)) seconds
    seconds=$(((n - bursts * 11) / 50))
    echo "bench: generating $dir (~$n records; python, about 2 min per 1M)" >&2
    rm -rf "$dir" && mkdir -p "$dir"
    python3 "$GEN" "$dir/gz.tmp" --seed 1 --seconds "$seconds" --rate 50 --bursts "$bursts" >"$dir/gen.log"
    mv "$dir/gz.tmp" "$dir/gz"
  fi
  if [ ! -f "$dir/.complete" ]; then
    rm -rf "$dir/gz-late"
    "$BIN/gz2ndjson" "$dir/gz" "$dir/events.ndjson" | awk '{print $1}' >"$dir/.complete"
  fi
  # The same records with about 2% (12% of aws-cli ones) delivered 40 to
  # 120 minutes late, in files named for the later delivery (bench/latedeliver).
  if [ ! -d "$dir/gz-late" ]; then
    "$BIN/latedeliver" "$dir/gz" "$dir/gz-late.tmp" >&2 && mv "$dir/gz-late.tmp" "$dir/gz-late"
  fi
  cat "$dir/.complete"
}

ROWS=()        # "tool|input|wall|rss_kib|records"
declare -A WALL # tool/input -> median wall
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

# measure TOOL INPUT RECORDS OUTFILE CMD...: run CMD $RUNS times, stdout to
# OUTFILE; record the median wall time and the largest peak RSS.
measure() {
  local tool=$1 input=$2 records=$3 outfile=$4; shift 4
  local walls=() cpus=() rss=0 i w m u sy c t0 t1
  for ((i = 0; i < RUNS; i++)); do
    t0=$EPOCHREALTIME
    "$TIME" -f "%M %U %S" -o "$OUT/time" "$@" >"$outfile" 2>"$OUT/stderr" ||
      { cat "$OUT/stderr" >&2; die "$tool on $input failed"; }
    t1=$EPOCHREALTIME
    # Wall time from bash's microsecond clock (GNU time's %e has 10 ms steps).
    w=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
    read -r m u sy <"$OUT/time"
    c=$(awk -v u="$u" -v s="$sy" 'BEGIN {printf "%.2f", u + s}')
    cpus+=("$c")
    walls+=("$w")
    if ((m > rss)); then rss=$m; fi
    echo "bench:   $tool $input run $((i + 1)): wall ${w}s cpu ${c}s ${m}KiB" >&2
  done
  w=$(median "${walls[@]}")
  c=$(median "${cpus[@]}")
  WALL[$tool/$input]=$w
  ROWS+=("$tool|$input|$w|$c|$rss|$records")
}

N=$(corpus "$SIZE")
DIR=$DATA/n$SIZE
echo "bench: corpus $DIR: $N records, $(find "$DIR/gz" -name '*.json.gz' | wc -l) gzip files, gz $(du -sh "$DIR/gz" | cut -f1), ndjson $(du -sh "$DIR/events.ndjson" | cut -f1)" >&2
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

measure floor gzip "$N" /dev/null "$BIN/floor" "$DIR/gz"
measure floor ndjson "$N" /dev/null "$BIN/floor" "$DIR/events.ndjson"
measure duckdb gzip "$N" "$OUT/duckdb.gzip.tsv" "$BIN/duckdb-bench" -gz "$DIR/gz/**/*.json.gz"
measure duckdb ndjson "$N" "$OUT/duckdb.ndjson.tsv" "$BIN/duckdb-bench" -ndjson "$DIR/events.ndjson"
measure trailql gzip "$N" "$OUT/trailql.gzip.ndjson" "$BIN/trailql" detect --format ndjson "$DIR/gz"
# The NDJSON file is in time order (bench/gz2ndjson), which trailql cannot
# see from its name as it can for delivery files: say so, so that windows are
# evaluated as the input goes and memory stays flat (README, detect).
measure trailql ndjson "$N" "$OUT/trailql.ndjson.ndjson" "$BIN/trailql" detect --format ndjson --allowed-lateness 15m "$DIR/events.ndjson"
# --skim: lines no rule can match are counted, not checked (README, detect).
measure trailql "ndjson --skim" "$N" "$OUT/trailql.skim.ndjson" "$BIN/trailql" detect --format ndjson --allowed-lateness 15m --skim "$DIR/events.ndjson"
# Late deliveries amend their windows: same alerts, same memory.
measure trailql "gzip late" "$N" "$OUT/trailql.late.ndjson" "$BIN/trailql" detect --format ndjson "$DIR/gz-late"

# Same alerts everywhere: the set of (window, arn, count_distinct) triples.
"$BIN/alertkeys" <"$OUT/trailql.gzip.ndjson" >"$OUT/trailql.gzip.tsv"
"$BIN/alertkeys" <"$OUT/trailql.ndjson.ndjson" >"$OUT/trailql.ndjson.tsv"
"$BIN/alertkeys" <"$OUT/trailql.skim.ndjson" >"$OUT/trailql.skim.tsv"
"$BIN/alertkeys" <"$OUT/trailql.late.ndjson" >"$OUT/trailql.late.tsv"
ALERTS=$(wc -l <"$OUT/trailql.gzip.tsv")
[ "$ALERTS" -gt 0 ] || die "trailql found no alerts: the comparison would prove nothing"
for f in trailql.ndjson trailql.skim trailql.late duckdb.gzip duckdb.ndjson; do
  if ! diff -u "$OUT/trailql.gzip.tsv" "$OUT/$f.tsv" >"$OUT/diff"; then
    echo "==================== ALERT MISMATCH: trailql.gzip vs $f ====================" >&2
    head -40 "$OUT/diff" >&2
    cp "$OUT"/*.tsv "$DATA/" 2>/dev/null || true
    die "alerts differ (window_ms, arn, count) - TSVs copied to $DATA/"
  fi
done
echo "bench: alerts agree: $ALERTS alerts (trailql gzip = trailql gzip with late deliveries = trailql ndjson (with and without --skim) = duckdb gzip = duckdb ndjson)" >&2

if [ "$DOUBLE" = 1 ]; then
  N2=$(corpus $((2 * SIZE)))
  SAVE=$RUNS RUNS=1
  measure trailql "gzip 2x" "$N2" "$OUT/trailql.gzip2.ndjson" "$BIN/trailql" detect --format ndjson "$DATA/n$((2 * SIZE))/gz"
  measure trailql "ndjson 2x" "$N2" "$OUT/trailql.ndjson2.ndjson" "$BIN/trailql" detect --format ndjson --allowed-lateness 15m "$DATA/n$((2 * SIZE))/events.ndjson"
  RUNS=$SAVE
fi

# All 25 bundled rules (-B): the cost of the whole rule set against the seed
# rule's, its peak RSS at 1x and 2x, and start-up on the 43-record example
# and on all of examples/.
if [ "$BUNDLED" = 1 ]; then
  measure bundled gzip "$N" /dev/null "$BIN/trailql" detect --rules bundled --format ndjson "$DIR/gz"
  # The rule set's time as a ratio of the seed rule's, from runs that
  # alternate (seed, all rules, seed, ...): the rows of the table are
  # minutes apart, and this machine's speed drifts by more than that
  # ratio's margin in minutes.
  ratios=()
  for ((i = 0; i < RUNS; i++)); do
    t0=$EPOCHREALTIME
    "$BIN/trailql" detect --format ndjson "$DIR/gz" >/dev/null 2>&1 || die "trailql (seed rule) failed"
    t1=$EPOCHREALTIME
    "$BIN/trailql" detect --rules bundled --format ndjson "$DIR/gz" >/dev/null 2>&1 || die "trailql (bundled rules) failed"
    t2=$EPOCHREALTIME
    ratios+=("$(awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN {printf "%.3f", (c - b) / (b - a)}')")
    echo "bench:   bundled/seed pair $((i + 1)): ${ratios[-1]}" >&2
  done
  PAIRED=$(median "${ratios[@]}")
  if [ "$DOUBLE" = 1 ]; then
    SAVE=$RUNS RUNS=1
    measure bundled "gzip 2x" "$N2" /dev/null "$BIN/trailql" detect --rules bundled --format ndjson "$DATA/n$((2 * SIZE))/gz"
    RUNS=$SAVE
  fi
  SAVE=$RUNS RUNS=5
  measure start-up "seed 43" 43 /dev/null "$BIN/trailql" detect --format ndjson examples/ndjson/cloudtrail.ndjson
  measure start-up "bundled 43" 43 /dev/null "$BIN/trailql" detect --rules bundled --format ndjson examples/ndjson/cloudtrail.ndjson
  measure start-up "bundled examples" 1882 /dev/null "$BIN/trailql" detect --rules bundled --format ndjson examples/
  RUNS=$SAVE
fi

# The 8x corpus (-Q), one run each: does peak memory stay flat for the seed
# rule and for all bundled rules (their default --memory-limit)?
if [ "$QUAD" = 1 ]; then
  N8=$(corpus $((8 * SIZE)))
  SAVE=$RUNS RUNS=1
  measure trailql "gzip 8x" "$N8" /dev/null "$BIN/trailql" detect --format ndjson "$DATA/n$((8 * SIZE))/gz"
  measure bundled "gzip 8x" "$N8" /dev/null "$BIN/trailql" detect --rules bundled --format ndjson "$DATA/n$((8 * SIZE))/gz"
  RUNS=$SAVE
fi

# Each bundled rule alone (-R), one run each: which rule costs what.
if [ "$PERRULE" = 1 ]; then
  echo "bench: each bundled rule alone on $DIR/gz (wall s, cpu s, peak RSS MiB):" >&2
  for r in rule/bundled/elastic-aws-esql/*.toml; do
    "$TIME" -f "%e %U %S %M" -o "$OUT/time" "$BIN/trailql" detect -q --rules "$r" --format ndjson "$DIR/gz" >/dev/null 2>&1 || true
    read -r e u sy m <"$OUT/time"
    awk -v e="$e" -v u="$u" -v s="$sy" -v m="$m" -v r="$(basename "$r" .toml)" 'BEGIN {printf "%7.2f %7.2f %7.1f  %s\n", e, u + s, m / 1024, r}'
  done | sort -rn | tee "$OUT/perrule.txt" >&2
fi

# Kafka backfill (-K): ingest the gzip corpus into a kfake topic of 12
# partitions, then time 1, 2 and 3 consumers of a fresh group until their
# sinks hold every alert of detect in its final version (an earlier version
# of an alert, sent while its window was still filling, does not count).
# kfake is an in-process fake broker on loopback, on the same cores: the
# figures are trailql's and the client's, not a Kafka cluster's.
if [ "$KAFKA" = 1 ]; then
  port=$((20000 + RANDOM % 20000))
  "$BIN/kfake" -port "$port" >"$OUT/kfake.log" 2>&1 &
  kpid=$!
  trap 'kill $kpid 2>/dev/null || true' EXIT
  sleep 1
  topic="kafka://127.0.0.1:$port/trailql.events"
  SAVE=$RUNS RUNS=1
  measure ingest kafka "$N" /dev/null "$BIN/trailql" ingest --once --partitions 12 --state "$OUT/ingest.db" --to "$topic" "$DIR/gz"
  RUNS=$SAVE
  for members in 1 2 3; do
    t0=$EPOCHREALTIME
    pids=()
    for ((m = 0; m < members; m++)); do
      "$BIN/trailql" watch --log-level error --state "$OUT/w$members-$m.db" --sink "file:$OUT/w$members-$m.ndjson" \
        "$topic?group=bench$members" 2>"$OUT/w$members-$m.log" &
      pids+=($!)
    done
    until [ -z "$(comm -23 "$OUT/trailql.gzip.tsv" <(cat "$OUT"/w$members-*.ndjson 2>/dev/null | "$BIN/alertkeys" | sort -u))" ]; do
      sleep 0.2
      awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {exit !(b - a > 600)}' && die "kafka: $members consumers did not finish in 10 minutes"
    done
    t1=$EPOCHREALTIME
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
    w=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
    echo "bench:   kafka $members consumers: every alert in ${w}s" >&2
    ROWS+=("watch|kafka x$members|$w|0|0|$N")
  done
  kill $kpid 2>/dev/null || true
fi

echo
echo "trailql benchmark: seed rule, $N records ($ALERTS alerts), median of $RUNS runs$([ "$DOUBLE" = 1 ] && echo ' (2x corpus: 1 run)')$([ "$QUAD" = 1 ] && echo ' (8x corpus: 1 run)'), warm page cache"
echo "ratios are of wall time (trailql/duckdb, tool/floor) on the same input; cpu_s = user+sys"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), load avg before $LOAD_BEFORE, after $(cut -d' ' -f1-3 /proc/loadavg)"
echo "duckdb: $(grep -o 'duckdb/duckdb-go/v2 v[0-9.]*' bench/duckdb/go.mod); $(go version | cut -d' ' -f3-)"
printf '%-8s %-13s %9s %8s %11s %10s %10s %9s\n' tool input wall_s cpu_s events/s peakRSS_MB vs_duckdb vs_floor
for row in "${ROWS[@]}"; do
  IFS='|' read -r tool input w c rss recs <<<"$row"
  base=${input%% *}
  vd=- vf=-
  if [ "$tool" = trailql ] && { [ "$input" = "$base" ] || [ "$input" = "$base --skim" ]; }; then
    vd=$(awk -v a="$w" -v b="${WALL[duckdb/$base]}" 'BEGIN {printf "%.2fx", a / b}')
    vf=$(awk -v a="$w" -v b="${WALL[floor/$base]}" 'BEGIN {printf "%.2fx", a / b}')
  elif [ "$tool" = duckdb ]; then
    vf=$(awk -v a="$w" -v b="${WALL[floor/$base]}" 'BEGIN {printf "%.2fx", a / b}')
  fi
  awk -v t="$tool" -v i="$input" -v w="$w" -v c="$c" -v r="$rss" -v n="$recs" -v vd="$vd" -v vf="$vf" \
    'BEGIN {printf "%-8s %-13s %9.3f %8.2f %11.0f %10.1f %10s %9s\n", t, i, w, c, (w > 0 ? n / w : 0), r / 1024, vd, vf}'
done
if [ -n "${PAIRED:-}" ]; then
  echo "bundled/seed wall, alternating runs on gzip (median of $RUNS pairs): $PAIRED"
fi
