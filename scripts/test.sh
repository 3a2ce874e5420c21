#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, lints, every test on SQLite and (where the
# test kit gives databases) again on a throw-away PostgreSQL cluster on 127.0.0.1, then the
# pages in a real browser (Debian's Chromium).
# It installs what it needs from Debian's packages when missing, and stops what it starts.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n== %s\n' "$*"; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=0
need_pkg() { # need_pkg COMMAND PACKAGE...
    if ! command -v "$1" >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/"$1" >/dev/null 2>&1; then
        shift
        if [ "$apt_updated" = 0 ]; then
            say "installing from Debian's packages: $*"
            as_root apt-get update -qq
            apt_updated=1
        fi
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    fi
}

need_pkg initdb postgresql
need_pkg pdftotext poppler-utils

run_tests() { # run_tests LOG CARGO-TEST-ARGS...
    local log=$1; shift
    if ! cargo test --quiet --no-fail-fast "$@" >"$log" 2>&1; then
        tail -n 120 "$log"
        echo "tests failed (full log: $log)"
        exit 1
    fi
    grep -E '^test result' "$log"
}

# A clean CI checkout builds once: incremental caches would only take disk.
if [ "${CI:-}" = true ]; then export CARGO_INCREMENTAL=0; fi

say "format"
cargo fmt --all -- --check

say "lints"
cargo clippy --workspace --all-targets --quiet -- -D warnings

say "PostgreSQL on 127.0.0.1 for the tests"
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pg_dir=$(mktemp -d)
pg_port=$(( 20000 + RANDOM % 20000 ))
chmod 755 "$pg_dir"
runner=()
if [ "$(id -u)" = 0 ]; then
    chown postgres "$pg_dir"
    runner=(runuser -u postgres --)
fi
"${runner[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust --no-sync -E UTF8 >/dev/null
"${runner[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $pg_port -c unix_socket_directories=$pg_dir -c fsync=off" start >/dev/null
stop_pg() { "${runner[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$pg_dir"; }
trap stop_pg EXIT
"${runner[@]}" "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres homeward_test
export HOMEWARD_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/homeward_test"

# One pass: every test that takes its databases from the test kit runs on a SQLite file and on a
# fresh PostgreSQL database. (A second `cargo test -p ...` pass for PostgreSQL alone resolved
# dependency features differently and built every test binary twice, which filled a CI disk.)
say "tests on SQLite and PostgreSQL"
run_tests /tmp/homeward-test.log --workspace

say "browser tests (Chromium)"
bash scripts/browser-tests.sh

say "all suites passed"
