"""Lifecycle hooks: each analysed once when registered, all called one way.

``call_hook`` is how every hook in the package is called — the apps' hooks
and a ``StreamRouter``'s ``after_startup`` and ``on_broker_shutdown`` hooks:
plain or ``async``, with whatever arguments the caller has worked out for it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any, Literal, Protocol, TypeVar, get_args, overload

from .injection import Injector

F = TypeVar("F", bound=Callable[..., Any])

Phase = Literal["on_startup", "after_startup", "on_shutdown", "after_shutdown"]
#: The phases in the order they run: before and after the broker starts, then stops.
PHASES: tuple[Phase, ...] = get_args(Phase)


async def call_hook(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """Call ``func`` (plain or ``async``) and return its result, awaited if need be."""
    result = func(*args, **kwargs)
    if inspect.isawaitable(result):
        result = await result
    return result


def _needs_option(hook: str, name: str) -> Exception:
    return TypeError(
        f"hook {hook} needs the option --{name.replace('_', '-')}, which nothing "
        "supplies: pass it on the command line (or in run_extra_options), give the "
        "parameter a default, or read a context value with Context(...)"
    )


class Hook:
    """A lifecycle hook analysed once: which options and context values it takes.

    Its parameters are filled as in FastStream 0.5: ``Context(...)``, ``Logger``,
    ``ContextRepo`` and ``Depends(...)`` as a handler's are (with the app, broker
    and logger as context values), the rest from the command line's extra options
    by name (``--env prod``), validated and converted by pydantic against their
    annotations like a query parameter. A parameter nothing supplies fails the
    start, naming the option.
    """

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func
        self.injector = Injector(func, missing=_needs_option)
        self.name = self.injector.name

    def arguments(self, options: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
        """Keyword arguments from ``options`` (CLI extras) and ``values`` (app, broker,
        logger); for a hook called without awaiting (a lifespan), its dependencies plain."""
        return self.injector.kwargs(options, values)

    async def __call__(self, options: Mapping[str, Any], values: Mapping[str, Any]) -> Any:
        return await self.injector.acall(options, values)


class Registrar(Protocol):
    """What ``app.on_startup`` and its siblings are: register a hook, return it unchanged."""

    def __call__(self, func: F, /) -> F: ...


class Hooks:
    """An app's hooks by phase, in the order they were registered."""

    def __init__(self, funcs: Mapping[str, Any]) -> None:
        """``funcs`` maps phase names to sequences of functions; other keys are ignored."""
        self.by_phase: dict[Phase, list[Hook]] = {
            phase: [Hook(f) for f in funcs.get(phase, ())] for phase in PHASES
        }

    def registrar(self, phase: Phase) -> Registrar:
        """The decorator adding hooks to ``phase``."""
        hooks = self.by_phase[phase]

        def register(func: F, /) -> F:
            hooks.append(Hook(func))
            return func

        return register

    async def run(
        self,
        phase: Phase,
        values: Callable[[], Mapping[str, Any]],
        options: Mapping[str, Any] | None = None,
    ) -> None:
        """Call the hooks of ``phase`` in order.

        ``values()`` (app, broker, logger) is read for each hook, so one that
        calls ``set_broker`` is seen by the next; ``options`` are the command
        line's, which only ``on_startup`` hooks receive.
        """
        for hook in self.by_phase[phase]:
            await hook(options or {}, values())


class _HasHooks(Protocol):
    hooks: Hooks


class HookPhase:
    """A decorator attribute: ``@app.on_startup`` adds a hook to that phase.

    The attribute's name is the phase; its ``__doc__`` says when the phase runs.
    """

    def __init__(self, doc: str) -> None:
        self.__doc__ = doc
        self.phase: Phase = "on_startup"

    def __set_name__(self, owner: type, name: str) -> None:
        if name not in PHASES:
            raise TypeError(f"{name!r} is not a hook phase: {', '.join(PHASES)}")
        self.phase = name

    @overload
    def __get__(self, app: None, owner: type) -> HookPhase: ...
    @overload
    def __get__(self, app: _HasHooks, owner: type) -> Registrar: ...

    def __get__(self, app: _HasHooks | None, owner: type) -> HookPhase | Registrar:
        return self if app is None else app.hooks.registrar(self.phase)
