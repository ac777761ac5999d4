"""FastStream 0.5's subscriber keywords that reshape a delivery: ``filter=``,
``parser=``, ``decoder=``, ``no_ack=`` and ``retry=``.

``parser(raw, original)`` gets the client library's message and may call
``original(raw)`` for the package's ``StreamMessage``; it returns the message
the handler gets. ``decoder(message, original)`` returns the decoded body;
``original(message)`` is the package's decoding. Either may be sync or
``async``, and may take only its first parameter. A subscriber given neither
runs no parsing stage at all (see ``pipeline.compile_delivery``).

``no_ack=True`` and ``retry=`` are spelled with the package's own options
(``legacy_settlement``): ``no_ack=True`` is ``AckPolicy.ACK_FIRST``,
``retry=True`` is ``AckPolicy.NACK_ON_ERROR`` (redeliver on every error) and
``retry=n`` is ``max_retries=n``. With ``no_ack=True``, ``retry=`` has no effect (a
message acknowledged on receipt is never retried), as in 0.5.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .ack import AckPolicy
from .errors import SetupError
from .message import StreamMessage

if TYPE_CHECKING:
    from .middleware import CallNext

#: ``filter=``: whether a handler takes the message (sync or async).
Filter = Callable[[StreamMessage], "bool | Awaitable[bool]"]
CustomParser = Callable[..., Any]
CustomDecoder = Callable[..., Any]
#: FastStream 0.5's ``SubscriberConfig`` keywords, for facades that forward the rest.
CUSTOM_KEYWORDS = ("filter", "parser", "decoder", "no_ack", "retry", "include_in_schema")


def legacy_settlement(
    no_ack: bool, retry: bool | int, ack_policy: AckPolicy | None, max_retries: int | None
) -> dict[str, Any]:
    """``no_ack`` and ``retry`` as the ``ack_policy``/``max_retries`` they mean."""
    changes: dict[str, Any] = {}
    if no_ack:
        if ack_policy not in (None, AckPolicy.ACK_FIRST):
            raise SetupError("give no_ack=True or ack_policy=, not both")
        changes["ack_policy"] = AckPolicy.ACK_FIRST
    # Equal values are no conflict: ``dataclasses.replace`` runs this again on its result.
    if retry is True and ack_policy is AckPolicy.NACK_ON_ERROR:
        ack_policy = None
    if retry is not True and retry == max_retries:
        max_retries = None
    if no_ack:
        retry = False  # acknowledged on receipt: nothing is left to retry (as in 0.5)
    if retry is not False:
        if ack_policy is not None or max_retries is not None:
            raise SetupError("give retry= or ack_policy=/max_retries=/no_ack=, not both")
        if retry is True:
            changes["ack_policy"] = AckPolicy.NACK_ON_ERROR
        elif isinstance(retry, int) and retry > 0:
            changes["max_retries"] = retry
        elif retry != 0:
            raise SetupError(f"retry must be True, False or a count of tries, not {retry!r}")
    return changes


def as_async(func: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    """``func`` as a coroutine function (a sync one is called inline, no thread)."""
    if inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(
        getattr(func, "__call__", None)  # noqa: B004  # an instance with ``async def __call__``
    ):
        return func

    async def call(*args: Any) -> Any:
        result = func(*args)
        return await result if inspect.isawaitable(result) else result

    return call


def _takes_original(func: Callable[..., Any]) -> bool:
    """Whether ``func`` takes a second positional parameter (the original to wrap)."""
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return True
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    positional = [p for p in params if p.kind in kinds]
    return len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in params)


def parsing_stage(
    parser: CustomParser | None, decoder: CustomDecoder | None
) -> Callable[[CallNext], CallNext] | None:
    """What wraps the call for a custom ``parser``/``decoder``; ``None`` without either."""
    if parser is None and decoder is None:
        return None
    parse = _parse(parser) if parser is not None else None
    decode = _decode(decoder) if decoder is not None else None

    def wrap(call: CallNext) -> CallNext:
        async def parsed(message: StreamMessage) -> Any:
            if parse is not None:
                message = await parse(message)
            if decode is not None:
                await decode(message)
            return await call(message)

        return parsed

    return wrap


def _parse(parser: CustomParser) -> Callable[[StreamMessage], Awaitable[StreamMessage]]:
    run, original = as_async(parser), _takes_original(parser)

    async def parse(message: StreamMessage) -> StreamMessage:
        async def default(raw: Any) -> StreamMessage:
            return message

        raw = message.raw if message.raw is not None else message
        parsed = await (run(raw, default) if original else run(raw))
        if not isinstance(parsed, StreamMessage):
            raise SetupError(
                f"parser {parser!r} returned {type(parsed).__name__}, not a StreamMessage"
            )
        return parsed

    return parse


def _decode(decoder: CustomDecoder) -> Callable[[StreamMessage], Awaitable[None]]:
    run, original = as_async(decoder), _takes_original(decoder)

    async def default(message: StreamMessage) -> Any:
        return message.decoded()

    async def decode(message: StreamMessage) -> None:
        # Any value: the handler's parameters are read from it (``CallPlan.run_decoded``),
        # ``message.decoded()`` returns it, and the body stays as it came.
        message._decoded = await (run(message, default) if original else run(message))

    return decode
