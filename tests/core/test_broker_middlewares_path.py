"""``faststream_fastapi.broker.middlewares``: FastStream 0.5's module path of its middlewares."""

from faststream_fastapi.broker.middlewares import BaseMiddleware, ExceptionMiddleware
from faststream_fastapi.middlewares import BaseMiddleware as PublicBase
from faststream_fastapi.middlewares import ExceptionMiddleware as PublicException


def test_the_05_module_path_gives_the_same_classes() -> None:
    assert BaseMiddleware is PublicBase
    assert ExceptionMiddleware is PublicException
    handled = ExceptionMiddleware(handlers={ValueError: lambda exc: None})
    assert isinstance(handled, PublicException)
