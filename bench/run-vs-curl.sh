#!/usr/bin/env bash
# Time to first answer byte and peak memory: `sapcode run` against `curl -N` on the same
# simulated stream. Prints figures; asserts nothing (machines here are shared and noisy).
# Usage: bench/run-vs-curl.sh [runs]   (builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
cargo build --release --quiet
bin=target/release/sapcode
work=$(mktemp -d)
trap 'kill $sim_pid 2>/dev/null || true; rm -rf "$work"' EXIT

"$bin" simulate --port 0 --key-file "$work/key.json" >/dev/null 2>&1 &
sim_pid=$!
for _ in $(seq 100); do [ -s "$work/key.json" ] && break; sleep 0.05; done
base=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$work/key.json")
secret=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["clientsecret"])' "$work/key.json")
client=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["clientid"])' "$work/key.json")

export HOME=$work XDG_CONFIG_HOME=$work/config XDG_CACHE_HOME=$work/cache AICORE_SERVICE_KEY="$(cat "$work/key.json")"
deployment=d7f3a9c2b1e04d11
body='{"messages":[{"role":"user","content":"hello"}],"stream":true,"stream_options":{"include_usage":true}}'

token() {
  curl -s "$base/oauth/token" --data-urlencode grant_type=client_credentials \
    --data-urlencode "client_id=$client" --data-urlencode "client_secret=$secret" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

# Milliseconds from process start to the first byte on its stdout, and peak RSS in KiB.
first_byte_ms() {
  python3 - "$@" <<'PY'
import subprocess, sys, time
start = time.perf_counter()
rss_file = sys.argv[1]
proc = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rss_file] + sys.argv[2:],
                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
proc.stdout.read(1)
first = (time.perf_counter() - start) * 1000
proc.stdout.read()
proc.wait()
print(f"{first:.1f} {open(rss_file).read().split()[-1]}")
PY
}

stats() { sort -n | awk '{a[NR]=$1} END {p=int(NR*0.9); if (p<1) p=1; printf "median %.1f  p90 %.1f", a[int((NR+1)/2)], a[p]}'; }

tok=$(token)
"$bin" run --model gpt-4o "warm the deployment cache" >/dev/null
for name in curl curl+token sapcode; do
  : >"$work/t"; : >"$work/m"
  for _ in $(seq "$runs"); do
    case $name in
      curl) out=$(first_byte_ms "$work/rss" curl -sN "$base/v2/inference/deployments/$deployment/chat/completions?api-version=2024-10-21" \
              -H "Authorization: Bearer $tok" -H "AI-Resource-Group: default" -H "Content-Type: application/json" -d "$body") ;;
      curl+token) out=$(first_byte_ms "$work/rss" sh -c "t=\$(curl -s '$base/oauth/token' -d grant_type=client_credentials --data-urlencode 'client_id=$client' --data-urlencode 'client_secret=$secret' | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])'); curl -sN '$base/v2/inference/deployments/$deployment/chat/completions?api-version=2024-10-21' -H \"Authorization: Bearer \$t\" -H 'AI-Resource-Group: default' -H 'Content-Type: application/json' -d '$body'") ;;
      sapcode) out=$(first_byte_ms "$work/rss" "$bin" run --model gpt-4o --deployment "$deployment" hello) ;;
    esac
    echo "${out% *}" >>"$work/t"; echo "${out#* }" >>"$work/m"
  done
  printf '%-11s first byte ms: %s   peak RSS KiB: %s\n' "$name" "$(stats <"$work/t")" "$(sort -n "$work/m" | tail -1)"
done
