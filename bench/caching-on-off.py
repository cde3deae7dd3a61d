#!/usr/bin/env python3
"""Prompt caching on vs off: the same agent session (a file read, its answer, two follow-ups)
through the real `sapcode` binary against the simulator, once with caching on and once with
`--no-prompt-cache`, each against a fresh simulator (so neither finds the other's cache). Prints
the tokens and the list-price cost of each turn and of the session side by side, all read from
the `usage` events of `run --json`; nothing is computed here but sums.

Usage: bench/caching-on-off.py [--model NAME] [--mode foundation|orchestration]
       (SAPCODE_BIN picks the binary; default target/debug/sapcode, built when missing)
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TURNS = [
    ([], "Read steps.rs and say what it does."),
    (["--continue"], "Which step is the largest?"),
    (["--continue"], "Read steps.rs again and name the last step."),
]
FIELDS = ["prompt_tokens", "cache_read_tokens", "cache_write_tokens", "completion_tokens"]


def binary():
    path = os.environ.get("SAPCODE_BIN") or str(ROOT / "target/debug/sapcode")
    if not os.environ.get("SAPCODE_BIN") and not Path(path).exists():
        subprocess.run(["cargo", "build", "--quiet"], cwd=ROOT, check=True)
    return path


def session(bin_path, model, mode, caching):
    """Runs TURNS against a fresh simulator; the usage event of each turn."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        workspace = tmp / "project"
        workspace.mkdir()
        code = "".join(f"fn step_{n}(input: u64) -> u64 {{ input.wrapping_mul({n}) + 1 }}\n"
                       for n in range(300))
        (workspace / "steps.rs").write_text(code)
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp),
            "XDG_CONFIG_HOME": str(tmp / "config"),
            "XDG_CACHE_HOME": str(tmp / "cache"),
            "XDG_DATA_HOME": str(tmp / "data"),
            "SAPCODE_KEYRING": "file",
            "NO_COLOR": "1",
        }
        key_file = tmp / "key.json"
        sim = subprocess.Popen([bin_path, "simulate", "--port", "0", "--key-file", str(key_file)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(200):
                if key_file.exists() and key_file.stat().st_size > 0:
                    break
                time.sleep(0.05)
            env["AICORE_SERVICE_KEY"] = key_file.read_text()
            usages = []
            for extra, prompt in TURNS:
                cmd = [bin_path, "--resource-group", "team-b", "--mode", mode, "--model", model,
                       "--cwd", str(workspace)]
                if not caching:
                    cmd.append("--no-prompt-cache")
                cmd += ["run", "--tools", "read", "--json", *extra, prompt]
                out = subprocess.run(cmd, env=env, capture_output=True, text=True)
                if out.returncode != 0:
                    sys.exit(f"sapcode failed ({out.returncode}): {out.stderr.strip()}")
                events = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
                usage = next((e for e in events if e.get("type") == "usage"), None)
                if usage is None:
                    sys.exit(f"no usage event for {prompt!r}")
                usages.append(usage)
            return usages
        finally:
            sim.terminate()
            sim.wait()


def cost(value):
    return "no price" if value is None else f"${value:.4f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="anthropic--claude-4.5-sonnet")
    parser.add_argument("--mode", default="foundation", choices=["foundation", "orchestration"])
    args = parser.parse_args()
    bin_path = binary()
    runs = {name: session(bin_path, args.model, args.mode, name == "on") for name in ["on", "off"]}
    print(f"{args.model} ({args.mode}), {len(TURNS)} turns, list prices from the catalog")
    header = f"{'turn':<6}{'caching':<9}" + "".join(f"{f.replace('_tokens', ''):>13}" for f in FIELDS)
    print(header + f"{'cost (list)':>14}")
    totals = {}
    for index in range(len(TURNS)):
        for name in ["on", "off"]:
            usage = runs[name][index]
            row = f"{index + 1:<6}{name:<9}" + "".join(f"{usage[f]:>13}" for f in FIELDS)
            print(row + f"{cost(usage['cost_usd']):>14}")
            total = totals.setdefault(name, {f: 0 for f in FIELDS} | {"cost_usd": 0.0})
            for f in FIELDS:
                total[f] += usage[f]
            if total["cost_usd"] is not None and usage["cost_usd"] is not None:
                total["cost_usd"] += usage["cost_usd"]
            else:
                total["cost_usd"] = None
    for name in ["on", "off"]:
        total = totals[name]
        print(f"{'all':<6}{name:<9}" + "".join(f"{total[f]:>13}" for f in FIELDS)
              + f"{cost(total['cost_usd']):>14}")
    on, off = totals["on"]["cost_usd"], totals["off"]["cost_usd"]
    if on is not None and off:
        print(f"caching on costs {on / off:.0%} of caching off at list price")


if __name__ == "__main__":
    main()
