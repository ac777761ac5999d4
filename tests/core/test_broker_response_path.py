"""``faststream_fastapi.broker.response``: FastStream 0.5's module path of ``Response``."""

from faststream_fastapi import Response
from faststream_fastapi.broker.response import Response as Same
from faststream_fastapi.broker.response import ensure_response


def test_the_05_module_path_gives_the_same_response() -> None:
    assert Same is Response
    wrapped = ensure_response({"n": 1})
    assert (wrapped.body, wrapped.headers) == ({"n": 1}, {})
    given = Response(1, headers={"a": "1"})
    assert ensure_response(given) is given
