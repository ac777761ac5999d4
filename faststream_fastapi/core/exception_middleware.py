"""FastStream 0.5's ``ExceptionMiddleware``: exception handlers registered once, by type.

A *general* handler (``handlers=``, ``@mw.add_handler(Exc)``) gets an error
raised inside the middleware (by the middlewares after it, a custom parser or
decoder, dependencies, the handler, publishing its result); once it returns,
the error is taken as handled: no error log, the message settled as a success.
A *publishing* handler (``publish_handlers=``, ``@mw.add_handler(Exc,
publish=True)``) gets the same errors, first; what it returns is published as
the handler's result would have been (to the ``@publisher`` destinations and
the reply-to), and what it raises goes to the general handlers. The first
registered handler whose type matches is used; ``faststream_fastapi.exceptions``'
instructions (``AckMessage``, ``SkipMessage``, ``StopConsume``, ...) always
pass through.

A handler's first parameter gets the exception; others may be ``Context()``
values (``message=Context()``, ``logger: Logger``), read as a message
handler's are, or ``Depends(...)`` (``Annotated[Db, Depends(get_db)]``),
solved against the failed message as its handler's dependencies are (their
own parameters may read its body, headers and context). Sync or ``async``.
Nothing is looked up per message before an error: a delivery that succeeds
costs one ``try`` per use of the middleware.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeVar, get_args, get_origin, get_type_hints

from fastapi import params

from .callplan.contexts import ContextGetter, context_getter
from .callplan.env import RunEnv
from .callplan.plan import CallPlan
from .context import ContextField
from .control import IgnoredException
from .errors import SetupError
from .message import StreamMessage
from .middleware import CallNext, Middleware, SubscriberView
from .pipeline import result_publisher

F = TypeVar("F", bound=Callable[..., Any])


class ExceptionHandler:
    """One registered handler: its exception parameter and its context parameters."""

    __slots__ = ("context", "func", "plan")

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func
        self.context: list[tuple[str, ContextGetter]] = []
        #: The ``Depends(...)`` parameters, solved as a handler's are (``None``: none).
        self.plan: CallPlan | None = None
        parameters = list(inspect.signature(func).parameters.values())
        try:
            hints = get_type_hints(func, include_extras=True)
        except Exception:  # unresolvable annotations: only defaults can say Context()
            hints = {}
        depends: list[inspect.Parameter] = []
        for p in parameters[1:]:
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            field = _context_field(p.default, hints.get(p.name))
            if field is not None:
                self.context.append((p.name, context_getter(field.named(p.name))))
            elif _depends(p.default, hints.get(p.name)):
                depends.append(p.replace(annotation=hints.get(p.name, p.annotation)))
            elif p.default is p.empty:
                raise SetupError(
                    f"exception handler {getattr(func, '__name__', func)!r}: parameter "
                    f"{p.name!r} is neither the exception nor a Context() or Depends() value"
                )
        if depends:
            self.plan = CallPlan(_collector(func, depends))

    async def __call__(self, exc: BaseException, message: StreamMessage | None, env: RunEnv) -> Any:
        kwargs = {name: getter(message, env) for name, getter in self.context}  # type: ignore[arg-type]
        if self.plan is not None and message is not None:
            solved, _ = await self.plan.run(message, env)
            kwargs.update(solved)
        result = self.func(exc, **kwargs)
        if inspect.isawaitable(result):
            result = await result
        return result


def _context_field(default: Any, hint: Any) -> ContextField | None:
    markers = [default]
    if get_origin(hint) is Annotated:
        markers += get_args(hint)[1:]
    for marker in markers:
        if isinstance(marker, params.Depends) and isinstance(marker.dependency, ContextField):
            return marker.dependency
    return None


def _depends(default: Any, hint: Any) -> bool:
    markers = [default, *(get_args(hint)[1:] if get_origin(hint) is Annotated else ())]
    return any(isinstance(m, params.Depends) for m in markers)


def _collector(func: Callable[..., Any], depends: list[inspect.Parameter]) -> Callable[..., Any]:
    """A function of ``depends`` returning them by name: what a ``CallPlan`` solves."""

    def dependencies(**values: Any) -> dict[str, Any]:
        return values

    dependencies.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [p.replace(kind=p.KEYWORD_ONLY) for p in depends]
    )
    dependencies.__name__ = dependencies.__qualname__ = getattr(func, "__name__", "handler")
    return dependencies


Handlers = list[tuple[type[BaseException], ExceptionHandler]]


class ExceptionMiddleware(Middleware):
    """Exception handlers by type, as a broker, router or subscriber middleware."""

    def __init__(
        self,
        handlers: Mapping[type[Exception], Callable[..., Any]] | None = None,
        publish_handlers: Mapping[type[Exception], Callable[..., Any]] | None = None,
    ) -> None:
        self._handlers: Handlers = [(t, ExceptionHandler(f)) for t, f in (handlers or {}).items()]
        self._publish_handlers: Handlers = [
            (t, ExceptionHandler(f)) for t, f in (publish_handlers or {}).items()
        ]

    def add_handler(self, exc: type[Exception], publish: bool = False) -> Callable[[F], F]:
        """Register the decorated function for ``exc`` (and its subclasses); with
        ``publish=True`` its return value is published as the handler's result."""

        def register(func: F) -> F:
            target = self._publish_handlers if publish else self._handlers
            target.append((exc, ExceptionHandler(func)))
            return func

        return register

    def for_subscriber(self, subscriber: SubscriberView) -> Middleware:
        return _Bound(self, subscriber)


class _Bound(Middleware):
    """The middleware bound to one subscriber: its logger, broker and result publisher."""

    def __init__(self, owner: ExceptionMiddleware, subscriber: Any) -> None:
        self.owner = owner
        broker = subscriber.broker
        self.env = RunEnv(broker, broker.logger)
        self.publish_result = result_publisher(subscriber)

    async def consume(self, message: StreamMessage, call_next: CallNext) -> Any:
        try:
            try:
                return await call_next(message)
            except Exception as exc:
                handler = _first(self.owner._publish_handlers, exc)
                if handler is None:
                    raise
                result = await handler(exc, message, self.env)
                await self.publish_result(message, result)
                return result
        except Exception as exc:
            handler = _first(self.owner._handlers, exc)
            if handler is None:
                raise
            await handler(exc, message, self.env)
            return None


def _first(handlers: Handlers, exc: Exception) -> ExceptionHandler | None:
    """The first handler registered for ``exc``; none for an instruction (``SkipMessage``...)."""
    if isinstance(exc, IgnoredException):
        return None
    for exc_type, handler in handlers:
        if isinstance(exc, exc_type):
            return handler
    return None
