#!/usr/bin/env bash
# The README's first command, tested: starts ./scripts/run.sh on spare ports with a fresh state
# directory, waits for it to be ready, drives the web app in headless Chromium (connect the dev
# wallet, create a lock, see veTMAI and tier change once the indexer catches up; screenshots in
# $E2E_ARTIFACTS), stops it with Ctrl-C, starts it again and checks the state was resumed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
ensure_chromium

base=${E2E_PORT_BASE:-17000}
state=$(mktemp -d /tmp/vetmai-sandbox-e2e.XXXXXX)
export E2E_ARTIFACTS=${E2E_ARTIFACTS:-$PWD/target/e2e-artifacts}
mkdir -p "$E2E_ARTIFACTS"
log="$E2E_ARTIFACTS/sandbox.log"
: >"$log"
ports=(--rpc-port $((base + 899)) --api-port $((base + 80)) --app-port $((base + 300)) \
       --indexer-port $((base + 464)) --pg-port $((base + 432)))
app_url="http://127.0.0.1:$((base + 300))"
api_url="http://127.0.0.1:$((base + 80))"
pid=
from=1

cleanup() {
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then kill -INT "$pid"; wait "$pid" || true; fi
  rm -rf "$state"
}
trap cleanup EXIT

start() {
  # The log is appended to: only lines written since this start count.
  from=$(($(wc -l <"$log") + 1))
  ./scripts/run.sh --dir "$state" "${ports[@]}" "$@" >>"$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 900); do
    if tail -n +"$from" "$log" | grep -q "veTMAI sandbox ready"; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then echo "sandbox exited early; log:"; tail -50 "$log"; return 1; fi
    sleep 1
  done
  echo "sandbox not ready after 15 minutes; log:"; tail -50 "$log"; return 1
}

stop() {
  kill -INT "$pid"
  if ! wait "$pid"; then echo "sandbox did not stop cleanly; log:"; tail -30 "$log"; return 1; fi
  tail -n +"$from" "$log" | grep -q "stopped; state kept" || { echo "no clean-stop message"; tail -30 "$log"; return 1; }
  pid=
}

echo "==> starting the sandbox (fresh state in $state; log: $log)"
start --reset
echo "==> browser test against $app_url"
(cd app && APP_URL="$app_url" E2E_WALLET=alice npm run --silent e2e)

alice=$(python3 -c 'import json,sys; print([w["pubkey"] for w in json.load(open(sys.argv[1]))["wallets"] if w["name"]=="alice"][0])' "$state/world.json")
before=$(curl -sf "$api_url/v1/wallets/$alice")
echo "==> Ctrl-C, then start again: the state must be resumed"
stop
start
after=""
for _ in $(seq 1 60); do
  after=$(curl -sf "$api_url/v1/wallets/$alice" || true)
  if [[ -n $after ]] && python3 - "$before" "$after" <<'PY'
import json, sys
b, a = (json.loads(x) for x in sys.argv[1:3])
same = [p["pubkey"] for p in b["items"]] == [p["pubkey"] for p in a["items"]] and b["level"] == a["level"]
sys.exit(0 if same and b["items"] else 1)
PY
  then
    echo "resumed: alice still has $(python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])["items"]))' "$after") position(s) at level $(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["level"])' "$after")"
    stop
    echo "==> sandbox e2e passed"
    exit 0
  fi
  sleep 1
done
echo "state not resumed: before=$before after=$after"
exit 1
