#!/usr/bin/env python3
"""Milliseconds from starting `sapcode --demo` in a pseudo-terminal until its first frame
(the header line) is on screen, and until the model list has arrived. Prints figures only.

Usage: bench/tui-first-frame.py [runs] [binary]   (default binary: target/release/sapcode)
"""
import os, pty, select, signal, statistics, subprocess, sys, tempfile, time

runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
binary = sys.argv[2] if len(sys.argv) > 2 else "target/release/sapcode"


def one_run(home):
    env = {
        "PATH": os.environ.get("PATH", ""), "TERM": "xterm-256color", "HOME": home,
        "XDG_CONFIG_HOME": f"{home}/c", "XDG_CACHE_HOME": f"{home}/k", "XDG_DATA_HOME": f"{home}/d",
        "SAPCODE_KEYRING": f"insecure-file:{home}/k.json", "COLUMNS": "120", "LINES": "40",
    }
    master, slave = pty.openpty()
    os.set_blocking(master, False)
    import fcntl, struct, termios
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    start = time.perf_counter()
    proc = subprocess.Popen([binary, "--demo"], stdin=slave, stdout=slave, stderr=slave, env=env,
                            start_new_session=True)
    os.close(slave)
    seen, first_frame, models = b"", None, None
    deadline = start + 10
    while time.perf_counter() < deadline and models is None:
        ready, _, _ = select.select([master], [], [], 0.05)
        if not ready:
            continue
        try:
            chunk = os.read(master, 65536)
        except BlockingIOError:
            continue
        except OSError:
            break
        seen += chunk
        if b"\x1b[6n" in chunk:  # crossterm asks where the cursor is
            os.write(master, b"\x1b[1;1R")
        now = (time.perf_counter() - start) * 1000
        if first_frame is None and b"resource group" in seen:
            first_frame = now
        if models is None and b"gpt-4o" in seen:
            models = now
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait()
    os.close(master)
    return first_frame, models


with tempfile.TemporaryDirectory() as home:
    results = [one_run(home) for _ in range(runs)]
frames = sorted(r[0] for r in results if r[0] is not None)
lists = sorted(r[1] for r in results if r[1] is not None)
p90 = lambda xs: xs[max(0, int(len(xs) * 0.9) - 1)]
print(f"first frame ms:   median {statistics.median(frames):.1f}  p90 {p90(frames):.1f}  (n={len(frames)})")
print(f"models listed ms: median {statistics.median(lists):.1f}  p90 {p90(lists):.1f}  (n={len(lists)})")
