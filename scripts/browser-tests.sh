#!/usr/bin/env bash
# Browser tests for the homeward pages: Debian's Chromium driven by playwright-core, with an
# axe-core accessibility check. Starts `homeward serve` on a fresh SQLite database on a free
# 127.0.0.1 port, runs every tests/browser/*.test.mjs with node's test runner and stops only the
# server it started. Screenshots land in tests/browser/screenshots/ (not committed).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
    echo "browser-tests: installing chromium from the Debian packages"
    if [ "$(id -u)" -ne 0 ]; then
        echo "browser-tests: chromium is missing and this is not root: install the 'chromium' package" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium fonts-noto-core >/dev/null
fi
command -v node >/dev/null || { echo "browser-tests: node is required" >&2; exit 1; }

echo "browser-tests: installing the test packages"
(cd tests/browser && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi) >/dev/null

echo "browser-tests: building homeward"
cargo build --quiet --bin homeward
BIN="$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')/debug/homeward"

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

PORT="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
URL="http://127.0.0.1:$PORT"
echo "browser-tests: serving on $URL (demo data on a fresh database)"
"$BIN" --database "sqlite://$WORK/homeward.db" serve --listen "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!

for _ in $(seq 1 240); do
    if node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "$URL/healthz"; then
        break
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "browser-tests: the server stopped:" >&2
        cat "$WORK/server.log" >&2
        exit 1
    fi
    sleep 0.5
done

mkdir -p tests/browser/screenshots
cd tests/browser
status=0
HOMEWARD_URL="$URL" CHROMIUM="$CHROMIUM" node --test --test-concurrency=1 --test-reporter=spec ./*.test.mjs || status=$?
echo "browser-tests: screenshots in tests/browser/screenshots/"
if [ "$status" -ne 0 ]; then
    echo "browser-tests: server log (last lines):" >&2
    tail -n 40 "$WORK/server.log" >&2
fi
exit "$status"
