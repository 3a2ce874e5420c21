#!/usr/bin/env bash
# Load test: a registry of PERSONS synthetic persons (default 1,000,000), then person file, search
# and list (keyset paging from a random point; "page" is the same list by page number up to page
# 2,000, for comparison) at CONNECTIONS concurrent keep-alive connections on loopback, each paced
# at RATE calls a second (default 10, so 640 calls a second offered at 64 connections) from a
# random starting point, for SECONDS_EACH each, on SQLite and (when PostgreSQL's initdb is
# installed) on a throw-away PostgreSQL cluster.
# Prints p50/p90/p99 per request kind; the target is p99 under 50 ms.
#
#   bash scripts/load.sh                      # 1,000,000 persons, 64 connections, 20 s each
#   PERSONS=100000 SECONDS_EACH=10 bash scripts/load.sh
#   ENGINES=sqlite bash scripts/load.sh       # one engine only
#   SQLITE_URL=sqlite:///path/big.db POSTGRES_URL=postgres://... bash scripts/load.sh
#                                             # an existing registry instead of a new demo
#   SCENARIOS=file,list bash scripts/load.sh  # some request kinds only
#   ROUNDS=3 bash scripts/load.sh             # each kind three times in turn, then the median
#   LOCKSTEP=yes bash scripts/load.sh         # all connections call at the same instants
#                                             # (a burst of CONNECTIONS calls every period)
#
# It builds in release mode, writes under a temporary folder, and stops what it starts.
set -euo pipefail
cd "$(dirname "$0")/.."

PERSONS=${PERSONS:-1000000}
CONNECTIONS=${CONNECTIONS:-64}
SECONDS_EACH=${SECONDS_EACH:-20}
RATE=${RATE:-10}
ENGINES=${ENGINES:-sqlite postgres}
SCENARIOS=${SCENARIOS:-file,search,list,page}
LOCKSTEP=${LOCKSTEP:-no}
ROUNDS=${ROUNDS:-1}

say() { printf '\n== %s\n' "$*"; }

if [ -n "${HOMEWARD_BIN_DIR:-}" ]; then # already built: homeward and load in one folder
    bin=$HOMEWARD_BIN_DIR/homeward
    load=$HOMEWARD_BIN_DIR/load
else
    cargo build --release --quiet -p homeward-cli --bin homeward --example load
    target=${CARGO_TARGET_DIR:-target}
    bin=$target/release/homeward
    load=$target/release/examples/load
fi

work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    if [ -n "${pg_dir:-}" ]; then
        "${runner[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast stop >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
# A fresh registry gets a fresh field key; an existing one keeps its own (HOMEWARD_FIELD_KEY as
# given, or the key file beside a SQLite database).
if [ -z "${HOMEWARD_FIELD_KEY:-}" ] && [ -z "${SQLITE_URL:-}${POSTGRES_URL:-}" ]; then
    export HOMEWARD_FIELD_KEY
    HOMEWARD_FIELD_KEY=$("$bin" keys generate | tr -d '\n')
fi
export HOMEWARD_LOG=warn

run_engine() { # run_engine NAME URL
    local name=$1 url=$2 given=${3:-}
    if [ -n "$given" ]; then
        url=$given
        say "$name: the registry already in $name"
    else
        say "$name: generating $PERSONS persons"
        local t0=$SECONDS
        "$bin" demo --database "$url" --persons "$PERSONS" --seed 2018
        say "$name: demo generated in $((SECONDS - t0)) s"
    fi
    local port=$(( 20000 + RANDOM % 20000 ))
    "$bin" serve --no-demo --database "$url" --listen "127.0.0.1:$port" >"$work/$name.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 600); do
        curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
        sleep 0.5
    done
    say "$name: $CONNECTIONS connections, $SECONDS_EACH s per request kind"
    "$load" --database "$url" --addr "127.0.0.1:$port" \
        --connections "$CONNECTIONS" --seconds "$SECONDS_EACH" --rate "$RATE" \
        --scenarios "$SCENARIOS" --lockstep "$LOCKSTEP" --rounds "$ROUNDS" | tee "$work/$name.txt"
    kill "${pids[-1]}"
}

for engine in $ENGINES; do
    case $engine in
    sqlite)
        run_engine sqlite "sqlite://$work/load.db" "${SQLITE_URL:-}"
        ;;
    postgres)
        if [ -n "${POSTGRES_URL:-}" ]; then
            run_engine postgres "" "$POSTGRES_URL"
            continue
        fi
        pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
        if [ -z "$pg_bin" ]; then
            echo "PostgreSQL is not installed: skipping it"
            continue
        fi
        pg_dir=$work/pg
        mkdir -p "$pg_dir"
        chmod 755 "$work" "$pg_dir"
        runner=()
        if [ "$(id -u)" = 0 ]; then
            chown postgres "$pg_dir"
            runner=(runuser -u postgres --)
        fi
        pg_port=$(( 20000 + RANDOM % 20000 ))
        "${runner[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust --no-sync -E UTF8 >/dev/null
        "${runner[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
            -o "-c listen_addresses=127.0.0.1 -p $pg_port -c unix_socket_directories=$pg_dir -c shared_buffers=512MB" start >/dev/null
        "${runner[@]}" "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres homeward_load
        run_engine postgres "postgres://postgres@127.0.0.1:$pg_port/homeward_load"
        ;;
    esac
done
say "done (target: p99 under 50 ms)"
