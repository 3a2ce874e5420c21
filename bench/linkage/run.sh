#!/usr/bin/env bash
# Benchmarks homeward's identity-resolution engine against the peer kit (Splink and
# recordlinkage) in one sitting, on FEBRL4 (link 5,000 x 5,000), on 100,000 synthetic
# records (dedupe) and optionally on 1,000,000 (dedupe, Splink only), and runs the
# cross-script name benchmark. Prints medians and ratios (peer wall / ours, F1 of each).
#
# Usage, from the repository root:
#   bench/linkage/run.sh [--runs N] [--with-1m] [--skip-peers]
#     --runs N      sittings to take medians over (default 3)
#     --with-1m     also dedupe 1,000,000 records (Splink takes about 3-5 minutes per run)
#     --skip-peers  only run homeward (reuses the peers' last results for the table)
# Environment: KIT (default ../shared/bench/linkage), BENCH_VENV (the kit's Python
# environment, default $KIT/.venv-bench), CARGO_TARGET_DIR (where cargo builds).
# Outputs go to bench/out/linkage/ (git-ignored); the kit writes into its own work/ and
# results/ folders (git-ignored there).
set -euo pipefail

RUNS=3
WITH_1M=0
SKIP_PEERS=0
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) RUNS="$2"; shift 2 ;;
        --with-1m) WITH_1M=1; shift ;;
        --skip-peers) SKIP_PEERS=1; shift ;;
        *) echo "run.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done

ROOT="$(pwd)"
if [ ! -f "$ROOT/crates/homeward-linkage/Cargo.toml" ]; then
    echo "run.sh: run me from the repository root" >&2
    exit 2
fi
KIT="$(cd "${KIT:-../shared/bench/linkage}" && pwd)"
VENV="${BENCH_VENV:-$KIT/.venv-bench}"
PY="$VENV/bin/python"
OUT="$ROOT/bench/out/linkage"
mkdir -p "$OUT"

if [ ! -x /usr/bin/time ] || ! /usr/bin/time -v -o /dev/null true 2>/dev/null; then
    echo "== installing GNU time (Debian package 'time')"
    if [ "$(id -u)" = 0 ]; then apt-get install -y time >/dev/null; else sudo apt-get install -y time >/dev/null; fi
fi
if [ ! -x "$PY" ]; then
    echo "== creating the kit's Python environment"
    BENCH_VENV="$VENV" "$KIT/setup.sh"
fi

echo "== building the release example"
cargo build --release -p homeward-linkage --example match --example cross_script >/dev/null
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
MATCH="$TARGET/release/examples/match"
CROSS="$TARGET/release/examples/cross_script"

FEBRL_MAP=(--map rec_id=id --map surname=family_name --map soc_sec_id=document_number
           --map street_number=address --map address_1=address --map suburb=locality)

# ours NAME DATASET-FOR-SCORING COMMAND...
ours() {
    local name=$1 dataset=$2
    shift 2
    local pairs="$OUT/pairs_$name.csv"
    /usr/bin/time -v -o "$OUT/$name.time" "$MATCH" "$@" --out "$pairs" --threshold 0.01 --quiet \
        2> "$OUT/$name.log"
    "$PY" "$KIT/score_pairs.py" --pairs "$pairs" --dataset "$dataset" --out "$OUT/$name.score.json" >/dev/null
    "$PY" "$KIT/summarize.py" --line "$OUT/$name.score.json" "$OUT/$name.time" --tool homeward \
        --dataset "$(basename "${dataset%.csv}")"
}

WORK="$KIT/work"
for run in $(seq 1 "$RUNS"); do
    echo "== sitting $run of $RUNS"
    if [ "$SKIP_PEERS" = 0 ]; then
        "$KIT/run_peers.sh" 100000 | grep -E '^(splink|recordlinkage) ' || true
        for f in "$KIT"/results/*_febrl4.* "$KIT"/results/*_synth_100000.*; do
            [ -f "$f" ] && cp "$f" "$OUT/run${run}_peer_$(basename "$f")"
        done
    fi
    ours "run${run}_homeward_febrl4" febrl4 link "$WORK/febrl4_a.csv" "$WORK/febrl4_b.csv" "${FEBRL_MAP[@]}"
    ours "run${run}_homeward_synth_100000" "$WORK/synth_100000.csv" dedupe "$WORK/synth_100000.csv" "${FEBRL_MAP[@]}"
    if [ "$WITH_1M" = 1 ]; then
        if [ "$SKIP_PEERS" = 0 ]; then
            PEERS=splink "$KIT/run_peers.sh" 1000000 | grep -E '^splink .*synth' || true
            for f in "$KIT"/results/splink_synth_1000000.*; do
                [ -f "$f" ] && cp "$f" "$OUT/run${run}_peer_$(basename "$f")"
            done
        elif [ ! -f "$WORK/synth_1000000.csv" ]; then
            echo "run.sh: $WORK/synth_1000000.csv is missing; run without --skip-peers once" >&2
            exit 1
        fi
        ours "run${run}_homeward_synth_1000000" "$WORK/synth_1000000.csv" dedupe "$WORK/synth_1000000.csv" "${FEBRL_MAP[@]}"
    fi
done

echo
echo "== machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs, $(free -g | awk '/Mem:/ {print $2}') GiB"
"$PY" "$ROOT/bench/linkage/report.py" "$OUT" "$RUNS"

echo
echo "== cross-script names (Wikidata pairs, fixed seed)"
"$CROSS" "$ROOT/../shared/data/name-transliteration" --n 5000 --seed 42
