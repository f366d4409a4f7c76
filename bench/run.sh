#!/usr/bin/env bash
# Load benchmark: public intake and the staff complaint list on 1,000,000 seeded complaints, each measured over HTTP
# with wrk and, on the same PostgreSQL, with pgbench running the equivalent SQL. Prints a Markdown report.
#
#   bench/run.sh            (needs wrk and pgbench: apt-get install wrk postgresql-client; about 8 minutes)
#
# Everything runs on this machine: a private PostgreSQL cluster in a temporary folder, the release binary on
# 127.0.0.1:18080, wrk and pgbench sharing the same cores. Nothing is left running afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in wrk pgbench psql curl; do
  command -v "$tool" >/dev/null || { echo "bench/run.sh needs $tool" >&2; exit 1; }
done

CONNECTIONS=${CONNECTIONS:-32}
DURATION=${DURATION:-10s}
PORT=${PORT:-18080}
cargo build --release --locked --quiet
BIN=$PWD/target/release/pengaduan
DATA=$(mktemp -d /tmp/pengaduan-bench-XXXXXX)
chmod 755 "$DATA"
export PENGADUAN_DATA_DIR=$DATA PENGADUAN_BIND=127.0.0.1:$PORT RUST_LOG=warn PENGADUAN_RUN_JOBS=false \
       PENGADUAN_PUBLIC_INTAKE_PER_HOUR=1000000000 PENGADUAN_LOGIN_FAILURES_PER_IP=1000000
unset DATABASE_URL

"$BIN" serve 2>"$DATA/server.log" &
SERVER=$!
cleanup() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$DATA"; }
trap cleanup EXIT
until curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null; do sleep 0.5; done

SOCKET=$DATA/postgres
PSQL=(psql -h "$SOCKET" -U postgres -d pengaduan -v ON_ERROR_STOP=1 -qAt)
"$BIN" seed 2>/dev/null
echo "seeding 1,000,000 complaints..." >&2
SEED_START=$(date +%s)
"${PSQL[@]}" -f bench/seed.sql >/dev/null
SEED_SECS=$(( $(date +%s) - SEED_START ))
# Settle the freshly written million rows (visibility map, hint bits, dirty pages) before measuring, so that the first
# workload does not pay for the seed's checkpoint.
"${PSQL[@]}" -c "VACUUM (ANALYZE) complaints" -c "CHECKPOINT" >/dev/null

PENGADUAN_PASSWORD='bench password 123' "$BIN" user create --email bench@sekadaukab.go.id --name Bench \
  --role admin --unit SKD-DISKOMINFO 2>/dev/null
TOKEN=$(curl -sf "http://127.0.0.1:$PORT/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email":"bench@sekadaukab.go.id","password":"bench password 123"}' | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
PEMDA=$("${PSQL[@]}" -c "SELECT id FROM units WHERE code = 'SKD'")
CATEGORY=$("${PSQL[@]}" -c "SELECT id FROM categories WHERE code = 'jalan'")
POLICY=$("${PSQL[@]}" -c "SELECT id FROM deadline_policies WHERE pemda_id = '$PEMDA' AND classification = 'pengaduan' AND NOT supervision")
COLUMNS="id, pemda_id, tracking_code, classification, supervision, channel, category_id, title, body, incident_date, \
service_date, region_id, location, latitude, longitude, anonymous, confidential, source_url, source_platform, \
source_captured_at, status, archive_reason, duplicate_of, forwarded_to, policy_id, verify_by, first_response_by, \
resolve_by, reporter_reply_by, verified_at, reporter_secret_hash, created_by, version, created_at, updated_at, \
reopen_count, escalation_level, closed_reason, finished_at, first_response_at, needs_redisposition"
LIST_SQL="SELECT $COLUMNS FROM complaints WHERE pemda_id = '$PEMDA' AND status = 'verified' AND category_id = '$CATEGORY' ORDER BY created_at DESC, id DESC LIMIT 21"
SEARCH_SQL="SELECT $COLUMNS FROM complaints WHERE pemda_id = '$PEMDA' AND search @@ websearch_to_tsquery('simple', 'banjir longsor') ORDER BY created_at DESC, id DESC LIMIT 21"

# The intake's whole work as the service does it: the reads that precede the transaction, the tracking number in its
# own short transaction, then the complaint, the sealed reporter and the audit event in one transaction.
cat > "$DATA/intake.sql" <<SQL
SELECT id, kind, code, name, short_name, parent_id, active, version, created_at, updated_at FROM units WHERE kind IN ('province', 'regency', 'city') ORDER BY code;
SELECT id FROM deadline_policies WHERE pemda_id = '$PEMDA' AND classification = 'pengaduan' AND supervision = false AND valid_from <= CURRENT_DATE AND (valid_to IS NULL OR valid_to >= CURRENT_DATE) ORDER BY valid_from DESC LIMIT 1;
SELECT date FROM holidays WHERE pemda_id = '$PEMDA' AND date BETWEEN CURRENT_DATE AND CURRENT_DATE + 800;
INSERT INTO tracking_sequences (pemda_id, year, last_value) VALUES ('$PEMDA', 2099, 1) ON CONFLICT (pemda_id, year) DO UPDATE SET last_value = tracking_sequences.last_value + 1 RETURNING last_value;
BEGIN;
INSERT INTO complaints (id, pemda_id, tracking_code, classification, supervision, channel, title, body, incident_date, anonymous, confidential, status, policy_id, verify_by, first_response_by, resolve_by, reporter_secret_hash, version, created_at, updated_at) VALUES (gen_random_uuid(), '$PEMDA', 'PGB-' || md5(random()::text), 'pengaduan', false, 'web', 'Jalan rusak di Desa Mungguk', 'Jalan utama desa berlubang besar sejak tiga bulan.', '2026-11-20', false, false, 'submitted', '$POLICY', now() + interval '3 days', now() + interval '8 days', now() + interval '14 days', sha256(random()::text::bytea), 1, now(), now()) RETURNING id AS complaint_id \\gset
INSERT INTO complaint_reporters (complaint_id, nonce, ciphertext) VALUES (:complaint_id, substring(sha256(random()::text::bytea) FROM 1 FOR 24), sha256(random()::text::bytea) || sha256(random()::text::bytea));
INSERT INTO audit_events (id, actor_id, entity_type, entity_id, action, details) VALUES (gen_random_uuid(), NULL, 'complaint', :complaint_id, 'created', '{"to":"submitted","channel":"web"}');
COMMIT;
SQL
echo "$LIST_SQL;" > "$DATA/list.sql"
echo "$SEARCH_SQL;" > "$DATA/search.sql"

run_wrk() { # name, extra args...
  local name=$1; shift
  local out; out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" "$@")
  local rps; rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  local pctl; pctl=$(echo "$out" | grep PCTL | cut -d' ' -f2-)
  local errors; errors=$(echo "$out" | grep -E "Non-2xx|Socket errors" | tr '\n' ' ')
  echo "$name|$rps|$pctl|${errors:-none}"
}
run_pgbench() { # name, script
  local tps; tps=$(pgbench -h "$SOCKET" -U postgres -n -c"$CONNECTIONS" -j2 -T"${DURATION%s}" -M prepared -f "$2" pengaduan 2>/dev/null \
    | awk '/^tps/ {print $3}')
  echo "$1|$tps"
}

echo "measuring..." >&2
INTAKE=$(run_wrk intake -s bench/intake.lua "http://127.0.0.1:$PORT/api/v1/public/complaints")
SEARCH=$(run_wrk search -s bench/latency.lua -H "Authorization: Bearer $TOKEN" \
  "http://127.0.0.1:$PORT/api/v1/complaints?q=banjir%20longsor")
PG_INTAKE=$(run_pgbench intake "$DATA/intake.sql")
PG_SEARCH=$(run_pgbench search "$DATA/search.sql")
# The machine's speed drifts within minutes, so the list and its pgbench run in alternation, ROUNDS times; the table
# shows the round with the median ratio, and the median p99 over all rounds is printed below it.
ROUNDS=${ROUNDS:-5}
LIST_ROUNDS=()
for round in $(seq "$ROUNDS"); do
  pg=$(run_pgbench list "$DATA/list.sql")
  api=$(run_wrk list -s bench/latency.lua -H "Authorization: Bearer $TOKEN" \
    "http://127.0.0.1:$PORT/api/v1/complaints?status=verified&category_id=$CATEGORY")
  LIST_ROUNDS+=("$(awk -v a="$(echo "$api" | cut -d'|' -f2)" -v b="$(echo "$pg" | cut -d'|' -f2)" \
    'BEGIN { printf "%.4f", (b > 0 ? a / b : 0) }')|$round|$api|$pg")
done
MEDIAN=$(printf '%s\n' "${LIST_ROUNDS[@]}" | sort -t'|' -k1,1n | sed -n "$(( (ROUNDS + 1) / 2 ))p")
LIST=$(echo "$MEDIAN" | cut -d'|' -f3-6)
PG_LIST=$(echo "$MEDIAN" | cut -d'|' -f7-8)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
field() { echo "$1" | cut -d'|' -f"$2"; }
echo "## Run of $(date -u +%Y-%m-%dT%H:%MZ) — $(nproc) cores, ${CONNECTIONS} connections, ${DURATION} each"
echo
echo "Seeding 1,000,000 complaints took ${SEED_SECS} s. Complaints in the table: $("${PSQL[@]}" -c 'SELECT count(*) FROM complaints')."
echo
echo "| workload | API req/s | API latency | non-2xx / socket errors | pgbench tps (same SQL) | API ÷ pgbench |"
echo "|---|---|---|---|---|---|"
for pair in "INTAKE PG_INTAKE" "LIST PG_LIST" "SEARCH PG_SEARCH"; do
  api=${pair% *}; pg=${pair#* }
  echo "| $(field "${!api}" 1) | $(field "${!api}" 2) | $(field "${!api}" 3) | $(field "${!api}" 4) | $(field "${!pg}" 2) | $(ratio "$(field "${!api}" 2)" "$(field "${!pg}" 2)") |"
done
echo
P99S=$(printf '%s\n' "${LIST_ROUNDS[@]}" | sed 's/.*p99=\([0-9.]*\)ms.*/\1/' | sort -n)
echo "List p99 over the ${ROUNDS} rounds: median $(echo "$P99S" | sed -n "$(( (ROUNDS + 1) / 2 ))p") ms (from $(echo "$P99S" | head -1) to $(echo "$P99S" | tail -1) ms)."
echo
echo "List rounds (pgbench, then the API, alternating):"
echo
echo "| round | API req/s | API latency | pgbench tps | API ÷ pgbench |"
echo "|---|---|---|---|---|"
for entry in "${LIST_ROUNDS[@]}"; do
  IFS='|' read -r r round _ rps pctl _ _ tps <<<"$entry"
  echo "| $round | $rps | $pctl | $tps | $(ratio "$rps" "$tps") |"
done
echo
echo "### EXPLAIN (ANALYZE, BUFFERS): filtered list"
echo '```'
"${PSQL[@]}" -c "EXPLAIN (ANALYZE, BUFFERS) $LIST_SQL"
echo '```'
echo
echo "### EXPLAIN (ANALYZE, BUFFERS): full-text search"
echo '```'
"${PSQL[@]}" -c "EXPLAIN (ANALYZE, BUFFERS) $SEARCH_SQL"
echo '```'
