"""``nox -s bench``: one table, ours next to the bare client library.

Consume: the same messages, consumed the same way (same batching and ack
pattern), through a FastAPI-router handler taking a pydantic model, an async
``Depends`` and ``Logger``, versus a loop over the bare client doing the
validation and the dependency call by hand.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import platform
import resource
import statistics
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import case_memory

CASES = ["redis", "nats", "rabbit", "kafka", "confluent"]


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "n/a"
    if unit == "us":
        return f"{value:.1f}"
    return f"{value:,.0f}"


async def paired(
    bare: Callable[[int], Awaitable[float]],
    ours: Callable[[int], Awaitable[float]],
    n: int,
    repeat: int,
) -> tuple[float, float, float]:
    """Medians of ``repeat`` runs of each side, run in turns, and of their ratios.

    Pairs next to each other in time see the same load on a shared machine:
    the median ratio of pairs moves much less than the ratio of two lone runs.
    """
    rates = [(await bare(n), await ours(n)) for _ in range(max(1, repeat))]
    return (
        statistics.median(b for b, _ in rates),
        statistics.median(o for _, o in rates),
        statistics.median(o / b for b, o in rates),
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=20_000, help="messages per consume run")
    parser.add_argument("--only", nargs="*", default=CASES)
    parser.add_argument(
        "--repeat", type=int, default=3, help="bare/ours pairs per figure (medians are printed)"
    )
    args = parser.parse_args()

    rows = []
    for label in args.only:
        memory = await case_memory.us_per_message(label)
        try:
            case = importlib.import_module(f"case_{label}")
        except ImportError:
            case = None
        bare = ours = ratio = pub_bare = pub_ours = rpc_bare = rpc_ours = None
        if case is not None:
            bare, ours, ratio = await paired(case.bare, case.ours, args.n, args.repeat)
            if hasattr(case, "publish_bare"):
                pub_bare, pub_ours, _ = await paired(
                    case.publish_bare, case.publish_ours, args.n, args.repeat
                )
            if hasattr(case, "request_bare"):
                rpc_bare = await case.request_bare(min(args.n, 2000))
                rpc_ours = await case.request_ours(min(args.n, 2000))
        rows.append((label, memory, bare, ours, ratio, pub_bare, pub_ours, rpc_bare, rpc_ours))

    print(
        f"\nmachine: {platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, {sys.platform}; n={args.n}; "
        f"medians of {args.repeat} bare/ours pairs\n"
    )
    header = (
        "broker",
        "in-memory us/msg",
        "bare consume msg/s",
        "ours consume msg/s",
        "ours/bare",
        "bare publish msg/s",
        "ours publish msg/s",
        "bare request p50 us",
        "ours request p50 us",
    )
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for label, memory, bare, ours, ratio, pub_bare, pub_ours, rpc_bare, rpc_ours in rows:
        cells = (
            label,
            fmt(memory, "us"),
            fmt(bare),
            fmt(ours),
            f"{ratio:.0%}" if ratio else "n/a",
            fmt(pub_bare),
            fmt(pub_ours),
            fmt(rpc_bare),
            fmt(rpc_ours),
        )
        print("| " + " | ".join(cells) + " |")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of the bench process: {peak_mb:.0f} MiB")


if __name__ == "__main__":
    asyncio.run(main())
