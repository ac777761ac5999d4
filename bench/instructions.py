"""Instructions per consumed message, counted by valgrind: stable where wall time is not.

    python bench/instructions.py kafka confluent --small 2000 --large 6000

For each case and side (bare client, ours) it fills two topics (``--small`` and
``--large`` messages) in this process, then consumes each one in a fresh
Python under ``valgrind --tool=callgrind``. The difference of the two totals
divided by the difference in messages is the cost of one more message: the
interpreter's start, imports and connection set-up cancel out. Counts cover
every thread of the process (confluent-kafka's own threads too), so compare
ours with bare, not across cases. Needs ``valgrind`` on PATH; slow (minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import re
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
# The checkout this script is in, not the package the environment installed
# (an editable install of another worktree); PYTHONPATH, when set, decides.
if not os.environ.get("PYTHONPATH"):
    sys.path.insert(1, str(HERE.parent))

SIDES = ("bare", "ours")


async def _fill(case: str, n: int) -> str:
    module = importlib.import_module(f"case_{case}")
    topic = f"bench-instr-{uuid.uuid4().hex}"
    filled = module.fill(topic, n)
    if asyncio.iscoroutine(filled):
        await filled
    return topic


def _count(case: str, side: str, topic: str, n: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={out}",
                sys.executable,
                __file__,
                "--inner",
                case,
                side,
                topic,
                str(n),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        text = Path(out).read_text(errors="replace")
    match = re.search(r"^(?:summary|totals): (\d+)", text, re.MULTILINE)
    if match is None:
        raise RuntimeError("no totals in the callgrind output")
    return int(match.group(1))


async def _inner(case: str, side: str, topic: str, n: int) -> None:
    module = importlib.import_module(f"case_{case}")
    await getattr(module, f"consume_{side}")(topic, n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("cases", nargs="*", default=["kafka", "confluent"])
    parser.add_argument("--small", type=int, default=2000)
    parser.add_argument("--large", type=int, default=6000)
    parser.add_argument("--sides", nargs="*", default=list(SIDES))
    parser.add_argument("--inner", nargs=4, metavar=("CASE", "SIDE", "TOPIC", "N"))
    args = parser.parse_args()
    if args.inner:
        case, side, topic, n = args.inner
        asyncio.run(_inner(case, side, topic, int(n)))
        return
    print(f"{'case':<10} {'side':<5} {'instructions/message':>22}")
    for case in args.cases:
        for side in args.sides:
            small = asyncio.run(_fill(case, args.small))
            large = asyncio.run(_fill(case, args.large))
            low = _count(case, side, small, args.small)
            high = _count(case, side, large, args.large)
            per = (high - low) / (args.large - args.small)
            print(f"{case:<10} {side:<5} {per:>22,.0f}", flush=True)


if __name__ == "__main__":
    main()
