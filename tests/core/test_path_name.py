"""``Path("name")``: FastStream 0.5's way of naming the ``{part}`` a parameter reads."""

import pytest
from fastapi import params

from faststream_fastapi import Path
from faststream_fastapi.nats import NatsBroker, TestNatsBroker


async def test_path_with_a_name_reads_that_part(name: str) -> None:
    seen: list[tuple[str, int]] = []
    broker = NatsBroker()

    @broker.subscriber(name + ".{kind}.{id}")
    async def handle(kind: str = Path(), number: int = Path("id")) -> None:
        seen.append((kind, number))

    async with TestNatsBroker(broker) as br:
        await br.publish("", f"{name}.order.42")
    assert seen == [("order", 42)]


def test_path_stays_fastapis_otherwise() -> None:
    assert isinstance(Path(), params.Path)
    assert Path(alias="x", title="t").alias == "x"
    with pytest.raises(AssertionError):  # FastAPI: a path parameter has no default
        Path(3)
