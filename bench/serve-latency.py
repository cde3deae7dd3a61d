#!/usr/bin/env python3
"""Latency `sapcode serve` adds over talking to the simulator directly, and its RSS with 50
streaming clients. Starts `sapcode --demo serve --port 0` (binary: $SAPCODE_BIN, default
target/release/sapcode), then times N non-streamed gpt-4o completions over one keep-alive
connection each way, streamed (serve always streams from upstream): straight to the in-process
simulator's foundation deployment, and through serve's /v1/chat/completions. Prints the medians and their difference, then RSS.

    cargo build --release && python3 bench/serve-latency.py [N]
"""
import http.client, json, os, re, statistics, subprocess, sys, tempfile, threading, time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200
BIN = os.environ.get("SAPCODE_BIN", "target/release/sapcode")
KEY = "bench-key"
home = tempfile.mkdtemp()
env = {"PATH": os.environ["PATH"], "HOME": home, "XDG_STATE_HOME": home + "/state",
       "XDG_CONFIG_HOME": home + "/config", "SAPCODE_KEYRING": "file", "SAPCODE_SERVE_KEY": KEY}
proc = subprocess.Popen([BIN, "--demo", "serve", "--port", "0"], env=env,
                        stderr=subprocess.PIPE, text=True)
lines = ""
while "built-in simulator" not in lines:
    lines += proc.stderr.readline()
port = int(re.search(r"listening on http://127.0.0.1:(\d+)", lines).group(1))
sim = int(re.search(r"simulator at http://127.0.0.1:(\d+)", lines).group(1))
threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()

def token():
    c = http.client.HTTPConnection("127.0.0.1", sim)
    body = "grant_type=client_credentials&client_id=sapcode-simulator&client_secret=" + \
        "sim-secret%24Zm9vYmFy%2B%2F%3D"
    c.request("POST", "/oauth/token", body, {"Content-Type": "application/x-www-form-urlencoded"})
    return json.loads(c.getresponse().read())["access_token"]

question = {"messages": [{"role": "user", "content": "hello"}], "stream": True}
direct = ("127.0.0.1", sim, "/v2/inference/deployments/d7f3a9c2b1e04d11/chat/completions?api-version=2024-10-21",
          {"Authorization": "Bearer " + token(), "AI-Resource-Group": "default", "Content-Type": "application/json"},
          json.dumps(question))
served = ("127.0.0.1", port, "/v1/chat/completions",
          {"Authorization": "Bearer " + KEY, "Content-Type": "application/json"},
          json.dumps(dict(question, model="gpt-4o")))

def timings(host, port, path, headers, body):
    c = http.client.HTTPConnection(host, port)
    out = []
    for _ in range(N + 10):
        t = time.perf_counter()
        c.request("POST", path, body, headers)
        r = c.getresponse(); r.read()
        assert r.status == 200, r.status
        out.append(time.perf_counter() - t)
    return out[10:]  # warm-up left out

d, s = statistics.median(timings(*direct)), statistics.median(timings(*served))
print(f"median over {N}: simulator direct {d*1000:.2f} ms, through serve {s*1000:.2f} ms, "
      f"serve adds {(s-d)*1000:.2f} ms")

def rss_kib():
    return int(re.search(r"VmRSS:\s+(\d+)", open(f"/proc/{proc.pid}/status").read()).group(1))

idle = rss_kib()
peak = [idle]
def stream():
    c = http.client.HTTPConnection("127.0.0.1", port)
    c.request("POST", "/v1/chat/completions", json.dumps(dict(question, model="gpt-4o")),
              served[3])
    r = c.getresponse()
    while r.read(64):
        peak[0] = max(peak[0], rss_kib())
threads = [threading.Thread(target=stream) for _ in range(50)]
[t.start() for t in threads]; [t.join() for t in threads]
print(f"RSS: idle {idle/1024:.1f} MiB, peak with 50 streaming clients {peak[0]/1024:.1f} MiB "
      "(serve and its in-process simulator together)")
proc.kill()
