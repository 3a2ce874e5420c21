#!/usr/bin/env bash
# Scale benchmark (release build): generate a registry of PERSONS persons (default 1,000,000)
# with `homeward demo`, then measure the dashboard's figures (median of RUNS computations,
# `homeward report figures`) and the commit of an IMPORT_ROWS-row import (default 100,000),
# on SQLite and, when PostgreSQL's server programs are installed, on a throw-away cluster on
# 127.0.0.1. Targets: dashboard < 1 s, import < 30 s.
#
#   bash scripts/bench-scale.sh                      # both engines, 1,000,000 persons
#   PERSONS=100000 ENGINES=sqlite bash scripts/bench-scale.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PERSONS=${PERSONS:-1000000}
IMPORT_ROWS=${IMPORT_ROWS:-100000}
RUNS=${RUNS:-5}
ENGINES=${ENGINES:-"sqlite postgres"}

if [ -n "${HOMEWARD_BIN:-}" ]; then
    bin=$HOMEWARD_BIN # an already built release binary
else
    cargo build --release -p homeward-cli >&2
    bin="${CARGO_TARGET_DIR:-target}/release/homeward"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# An import file in the ministry's shape: Arabic headers, all rows valid.
python3 - "$IMPORT_ROWS" "$work/import.csv" <<'PY'
import random, sys
n, path = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(8)
given = ["فاطمة", "عائشة", "مريم", "زينب", "خديجة", "أمينة", "Olga", "Aylin", "Madina", "Leyla"]
family = ["أحمد", "حسن", "كريموفا", "يلماز", "Petrova", "Demir", "Aliyeva", "Rahimova"]
countries = ["TR", "RU", "TJ", "AZ", "FR", "DE", "UZ", "KZ"]
with open(path, "w", encoding="utf-8") as f:
    f.write("الرقم,الاسم,اللقب,الجنس,تاريخ الولادة,الجنسية,رقم الوثيقة\n")
    for i in range(n):
        sex = rnd.choice(["أنثى", "ذكر"])
        f.write(f"{i+1},{rnd.choice(given)},{rnd.choice(family)},{sex},"
                f"{rnd.randint(1960, 2016)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d},"
                f"{rnd.choice(countries)},B{i:08d}\n")
PY

secs() { python3 -c 'import sys,time; print(f"{time.time():.3f}")'; }

bench() {
    local engine=$1 url=$2
    local t0 t1
    t0=$(secs)
    "$bin" --database "$url" demo --persons "$PERSONS" --as-of 2018-02-01 >&2
    t1=$(secs)
    echo "$engine demo --persons $PERSONS: $(python3 -c "print(f'{$t1-$t0:.1f}')") s"
    local times=()
    for _ in $(seq "$RUNS"); do
        times+=("$("$bin" --database "$url" report figures --as-of 2018-02-01 --millis)")
    done
    echo "$engine dashboard figures (ms, $RUNS runs): ${times[*]} -> median $(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p") ms"
    t0=$(secs)
    "$bin" --database "$url" import "$work/import.csv" >/dev/null
    t1=$(secs)
    echo "$engine import commit of $IMPORT_ROWS rows: $(python3 -c "print(f'{$t1-$t0:.1f}')") s"
}

for engine in $ENGINES; do
    case $engine in
    sqlite)
        bench sqlite "sqlite://$work/bench.db"
        ;;
    postgres)
        pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
        if [ -z "$pg_bin" ]; then
            echo "postgres: server programs not installed, skipped"
            continue
        fi
        pg_port=$(( 20000 + RANDOM % 20000 ))
        runner=()
        if [ "$(id -u)" = 0 ]; then
            chmod 755 "$work"
            chown postgres "$work"
            runner=(runuser -u postgres --)
        fi
        "${runner[@]}" "$pg_bin/initdb" -D "$work/pg" -U postgres -A trust --no-sync -E UTF8 >/dev/null
        "${runner[@]}" "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w \
            -o "-c listen_addresses=127.0.0.1 -p $pg_port -c unix_socket_directories=$work" start >/dev/null
        trap '"${runner[@]}" "$pg_bin/pg_ctl" -D "$work/pg" -m fast stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
        "${runner[@]}" "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres homeward_bench
        bench postgres "postgres://postgres@127.0.0.1:$pg_port/homeward_bench"
        ;;
    esac
done
