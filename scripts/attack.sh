#!/usr/bin/env bash
# Attack tools against homeward, on loopback only, each run bounded in time:
#   (a) cargo-fuzz on the list import parser, the person import parser, name normalisation and
#       the audit chain check;
#   (b) schemathesis against the OpenAPI document, once per demo role (no 5xx, responses as
#       documented);
#   (c) sqlmap against the search and list filter parameters (nothing injectable).
# Not part of the CI test run. It installs what it lacks: cargo-fuzz with cargo, schemathesis
# and sqlmap from PyPI into a virtual environment kept in the user's cache (reused next time).
# Settings (environment):
#   ATTACK_SECONDS    time box per fuzz target / per schemathesis role / per sqlmap URL (60)
#   ATTACK_ONLY       comma list of parts to run: fuzz,api,sql (all)
#   ATTACK_EXAMPLES   schemathesis examples per operation (25)
#   ATTACK_SANITIZER  cargo-fuzz sanitizer: none (default: the targets are safe Rust, and on a
#                     small machine the AddressSanitizer build and runs cost more than they find)
#                     or address
#   ATTACK_VENV       where the Python tools live (~/.cache/homeward-attack-venv)
# Prints a summary of figures at the end and exits non-zero when anything was found.
set -uo pipefail

seconds=${ATTACK_SECONDS:-60}
only=${ATTACK_ONLY:-fuzz,api,sql}
examples=${ATTACK_EXAMPLES:-25}
sanitizer=${ATTACK_SANITIZER:-none}
venv=${ATTACK_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/homeward-attack-venv}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/homeward-attack.XXXXXX")
summary="$work/summary.txt"
: >"$summary"
found=0
server_pid=""

say() { printf '%s\n' "$*" | tee -a "$summary"; }
wants() { [[ ",$only," == *",$1,"* ]]; }
stop_server() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    fi
}
trap stop_server EXIT

echo "work folder: $work"

# ---------------------------------------------------------------------------------------------
# (a) fuzzing
# ---------------------------------------------------------------------------------------------
make_seeds() {
    local s="$work/seeds"
    mkdir -p "$s/list_parser" "$s/person_import" "$s/names" "$s/audit_chain"
    printf '\000nr,surname,given_name,date_of_birth\n17,Ivanova,Svetlana,1990-03-07\n18,"Petrova, A",Anna,1970\n' \
        >"$s/list_parser/csv"
    printf '\001name;dob\n"محمد بن عبدالله";1985-06-01\n' >"$s/list_parser/semicolon"
    # A minimal XLSX workbook, so the fuzzer starts from a real zip.
    python3 - "$s/list_parser/xlsx" <<'PY'
import io, sys, zipfile
b = io.BytesIO()
with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
    z.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    z.writestr("xl/workbook.xml", '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="list" sheetId="1" r:id="rId1"/></sheets></workbook>')
    z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
    z.writestr("xl/worksheets/sheet1.xml", '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>full_name</t></is></c><c r="B1" t="inlineStr"><is><t>date_of_birth</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>Svetlana Ivanova</t></is></c><c r="B2"><v>32939</v></c></row></sheetData></worksheet>')
sys.stdout.buffer.write(b"")
open(sys.argv[1], "wb").write(b"\x00" + b.getvalue())
PY
    printf 'الاسم,الجنس,تاريخ الميلاد,الجنسية\nسفيتلانا ايفانوفا,أنثى,1990-04-02,RU\n' >"$s/person_import/arabic.csv"
    tail -c +2 "$s/list_parser/xlsx" >"$s/person_import/xlsx"
    printf 'محمد بن عبدالله الأحمد' >"$s/names/arabic"
    printf 'Ivanova Svetlana Petrovna' >"$s/names/latin"
    printf 'Светлана Иванова' >"$s/names/cyrillic"
    printf 'Umm Abdullah أم عبدالله' >"$s/names/kunya"
    head -c 512 /dev/urandom >"$s/audit_chain/random"
}

fuzz() {
    # cargo-fuzz needs a nightly compiler; without one, stable is told to allow the flags.
    local cargo=(cargo +nightly) boot=()
    if ! cargo +nightly --version >/dev/null 2>&1; then
        cargo=(cargo)
        boot=(env RUSTC_BOOTSTRAP=1)
        say "fuzz: no nightly toolchain, building with stable and RUSTC_BOOTSTRAP=1"
    fi
    if ! cargo fuzz --version >/dev/null 2>&1; then
        echo "installing cargo-fuzz..."
        cargo install cargo-fuzz --locked || { say "fuzz: cargo-fuzz could not be installed"; found=1; return; }
    fi
    make_seeds
    # The fuzz crate is its own workspace: start from the main lock so it builds the same
    # versions the server runs (cargo adds libfuzzer-sys and arbitrary).
    cp "$root/Cargo.lock" "$root/fuzz/Cargo.lock"
    say "== fuzzing (${seconds}s per target, cargo-fuzz, sanitizer: $sanitizer)"
    (cd "$root/fuzz" && "${boot[@]}" "${cargo[@]}" fuzz build -s "$sanitizer") >"$work/fuzz-build.log" 2>&1 ||
        { say "fuzz: build failed (see $work/fuzz-build.log)"; found=1; return; }
    for target in list_parser person_import names audit_chain; do
        local corpus="$root/fuzz/corpus/$target" log="$work/fuzz-$target.log"
        local artifacts="$root/fuzz/artifacts/$target"
        mkdir -p "$corpus" "$artifacts"
        local before_crashes
        before_crashes=$(find "$artifacts" -type f | wc -l)
        (cd "$root/fuzz" && "${boot[@]}" "${cargo[@]}" fuzz run -s "$sanitizer" "$target" "$corpus" "$work/seeds/$target" -- \
            -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 -timeout=10) >"$log" 2>&1
        local rc=$?
        local execs per_sec corpus_files crashes
        execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
        per_sec=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
        corpus_files=$(find "$corpus" -type f | wc -l)
        crashes=$(( $(find "$artifacts" -type f | wc -l) - before_crashes ))
        if [ "$rc" -eq 0 ] && [ "$crashes" -eq 0 ]; then
            say "fuzz $target: ${execs:-?} executions, ${per_sec:-?}/s, corpus $corpus_files inputs, 0 crashes"
        else
            say "fuzz $target: CRASH after ${execs:-?} executions (exit $rc, $crashes new artifacts): see $log and fuzz/artifacts/$target"
            found=1
        fi
    done
}

# ---------------------------------------------------------------------------------------------
# (b) and (c) need a server on a fresh database and the tools in a virtual environment
# ---------------------------------------------------------------------------------------------
tools() {
    if [ ! -x "$venv/bin/st" ] || [ ! -x "$venv/bin/sqlmap" ]; then
        echo "installing schemathesis and sqlmap into $venv..."
        mkdir -p "$(dirname "$venv")"
        python3 -m venv "$venv" >/dev/null &&
            "$venv/bin/pip" install --quiet schemathesis sqlmap >"$work/pip.log" 2>&1 ||
            { say "tools: pip install failed (see $work/pip.log)"; return 1; }
    fi
}

start_server() {
    [ -n "$server_pid" ] && return 0
    (cd "$root" && cargo build --quiet --bin homeward) || { say "server: build failed"; return 1; }
    local bin="${CARGO_TARGET_DIR:-$root/target}/debug/homeward"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    base="http://127.0.0.1:$port"
    # A session of its own: no signal meant for the tools (an interrupt on a time box) reaches it.
    setsid "$bin" --database "sqlite://$work/attack.db" serve --listen "127.0.0.1:$port" >>"$work/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 600); do
        curl -fsS "$base/healthz" >/dev/null 2>&1 && return 0
        kill -0 "$server_pid" 2>/dev/null || { say "server: did not start (see $work/server.log)"; server_pid=""; return 1; }
        sleep 0.5
    done
    say "server: not up after 300 s"
    return 1
}

# After each tool run: a server that went away is a finding (a crash), said with its exit
# status and the end of its log; a new one is started on the same database for the next run.
check_server() { # check_server WHAT-JUST-RAN
    if [ -n "$server_pid" ] && ! kill -0 "$server_pid" 2>/dev/null; then
        wait "$server_pid"
        local rc=$?
        say "server: DIED during $1 (exit $rc); last lines of $work/server.log:"
        tail -n 5 "$work/server.log" | tee -a "$summary"
        found=1
        server_pid=""
        start_server
    elif [ -n "$server_pid" ] && ! curl -fsS --max-time 10 "$base/healthz" >/dev/null 2>&1; then
        say "server: NOT ANSWERING after $1"
        found=1
    fi
}

# Signs in a demo account and prints its session token.
token_of() {
    curl -fsS -H 'content-type: application/json' \
        -d "{\"username\":\"$1\",\"password\":\"homeward-demo\"}" "$base/api/v1/session" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

ROLES="registrar caseworker judicial consul-fr monitor admin auditor"

api() {
    tools && start_server || { found=1; return; }
    say "== schemathesis (${seconds}s and ${examples} examples per operation, each demo role)"
    for user in $ROLES; do
        local token log="$work/st-$user.log"
        token=$(token_of "$user") || { say "schemathesis $user: cannot sign in"; found=1; continue; }
        # Signing out or ending sessions would end the run's own session: left out. On the
        # time box st gets an interrupt (it then prints its summary), then a kill 15 s later.
        timeout --signal=INT --kill-after=15 "$((seconds + 30))" "$venv/bin/st" run "$base/api/v1/openapi.json" \
            --url "$base" \
            -H "Authorization: Bearer $token" \
            --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
            --max-examples "$examples" \
            --max-time "$seconds" \
            --exclude-path-regex '^/api/v1/(session|account/.*)$' \
            --rate-limit 60/s \
            --no-color >"$log" 2>&1
        local rc=$?
        local cases failures errors
        cases=$(grep -Eo '[0-9]+ generated' "$log" | tail -1 | grep -Eo '^[0-9]+')
        failures=$(grep -E '^=+ .* in [0-9.]+s =+$' "$log" | grep -Eo '[0-9]+ failures?' | grep -Eo '^[0-9]+')
        errors=$(grep -E '^=+ .* in [0-9.]+s =+$' "$log" | grep -Eo '[0-9]+ errors?' | grep -Eo '^[0-9]+')
        if [ "$rc" -eq 0 ]; then
            say "schemathesis $user: ${cases:-?} cases, 0 failures, 0 errors"
        else
            say "schemathesis $user: ${cases:-?} cases, ${failures:-0} failures, ${errors:-0} errors (exit $rc): see $log"
            found=1
        fi
        check_server "schemathesis as $user"
    done
}

sql() {
    tools && start_server || { found=1; return; }
    say "== sqlmap (level 3, risk 2, ${seconds}s per URL)"
    local token
    token=$(token_of caseworker) || { say "sqlmap: cannot sign in"; found=1; return; }
    local urls=(
        "$base/api/v1/search?q=ivanova&limit=5"
        "$base/api/v1/persons?nationality=RU&sex=female&age_band=adult&status=in_custody&claim_state=claimed&registration_number=HW-1&site=1&page=1&per_page=5"
        "$base/api/v1/cases?country=FR&state=open"
        "$base/api/v1/identity/reviews?state=open"
        "$base/api/v1/identity/tracing-requests?state=open"
        "$base/search?q=ivanova"
        "$base/persons?nationality=RU&sex=female&status=in_custody&q=iva"
    )
    local i=0
    for url in "${urls[@]}"; do
        i=$((i + 1))
        local log="$work/sqlmap-$i.log"
        # --delay keeps sqlmap under the API's 100 calls a second per session: after one 429 it
        # backs off so hard that the time box ends before the parameters do.
        timeout --signal=INT --kill-after=15 "$seconds" "$venv/bin/sqlmap" -u "$url" \
            --delay 0.012 \
            --headers="Authorization: Bearer $token" \
            --cookie="homeward_session=$token" \
            --batch --level 3 --risk 2 --time-sec 2 --flush-session --disable-coloring \
            --output-dir "$work/sqlmap" >"$log" 2>&1
        local clean
        clean=$(grep -ciE 'parameter .* does not seem to be injectable' "$log")
        if grep -qiE 'identified the following injection point|parameter .* is vulnerable' "$log"; then
            say "sqlmap ${url#"$base"}: INJECTABLE, see $log"
            found=1
        elif grep -qi 'all tested parameters do not appear to be injectable' "$log"; then
            say "sqlmap ${url#"$base"}: $clean parameters tested, none injectable"
        else
            say "sqlmap ${url#"$base"}: time box reached after $clean parameters found not injectable, nothing injectable found (see $log)"
        fi
        check_server "sqlmap on ${url#"$base"}"
    done
}

wants fuzz && fuzz
wants api && api
wants sql && sql
stop_server
echo
echo "== summary"
cat "$summary"
exit "$found"
