"""The README's demo command, run the way ``nox -s demo -- --once`` runs it."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_demo_runs_shows_the_handlers_and_stops_what_it_started() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "demo.py"), "--once"],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    out = proc.stdout
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert out.count("take_order: order") == 3
    assert out.count("audit: accepted") == 3
    assert "/docs" in out and "/asyncapi" in out
    assert "stopped uvicorn" in out and "stopped nats-server" in out
    assert "rejected a message" not in proc.stderr
