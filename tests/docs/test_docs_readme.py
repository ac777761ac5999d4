"""The README's example is ``examples/readme.py``, word for word, and it works."""

import runpy
from pathlib import Path

from faststream_fastapi.redis import TestRedisBroker

ROOT = Path(__file__).parents[2]


def test_readme_shows_the_example_file() -> None:
    example = (ROOT / "examples" / "readme.py").read_text()
    assert f"```python\n{example}```" in (ROOT / "README.md").read_text()


async def test_readme_example_handles_an_order() -> None:
    ns = runpy.run_path(str(ROOT / "examples" / "readme.py"), run_name="readme_example")
    async with TestRedisBroker(ns["router"].broker) as br:
        await br.publish({"id": 7}, "orders", headers={"X-User": "ann"})
        ns["take"].mock.assert_called_once_with({"id": 7})
        ns["take"].publishers[0].mock.assert_called_once_with({"id": 7, "accepted": True})
