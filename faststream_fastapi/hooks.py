"""Lifecycle hooks: each analysed once when registered, all called one way.

``call_hook`` is how every hook in the package is called — the apps' hooks
and a ``StreamRouter``'s ``after_startup`` and ``on_broker_shutdown`` hooks:
plain or ``async``, with whatever arguments the caller has worked out for it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import (
    Annotated,
    Any,
    Literal,
    Protocol,
    TypeVar,
    get_args,
    get_origin,
    get_type_hints,
    overload,
)

from fastapi import params
from pydantic import TypeAdapter

from .core.context import ContextField
from .core.errors import SetupError

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


class _Param:
    """One hook parameter: a context value, or an option converted to its annotation."""

    __slots__ = ("adapter", "context", "name", "required")

    def __init__(self, parameter: inspect.Parameter, annotation: Any) -> None:
        self.name = parameter.name
        self.required = parameter.default is inspect.Parameter.empty
        self.context = _context_field(parameter.default, annotation)
        self.adapter: TypeAdapter[Any] | None = None
        if self.context is None and annotation not in (inspect.Parameter.empty, Any):
            if get_origin(annotation) is Annotated:
                annotation = get_args(annotation)[0]
            try:
                self.adapter = TypeAdapter(annotation)
            except Exception:  # an annotation pydantic cannot handle: pass values as given
                self.adapter = None


def _context_field(default: Any, annotation: Any) -> ContextField | None:
    candidates = [default]
    if get_origin(annotation) is Annotated:
        candidates.extend(get_args(annotation)[1:])
    for candidate in candidates:
        if isinstance(candidate, params.Depends):
            if isinstance(candidate.dependency, ContextField):
                return candidate.dependency
            raise SetupError(
                "lifecycle hooks accept Context(...) and Logger parameters, not Depends(...)"
            )
    return None


class Hook:
    """A lifecycle hook analysed once: which options and context values it takes.

    Values from the command line arrive as strings; a parameter annotated with a
    type gets them validated and converted by pydantic, like a query parameter.
    """

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func
        self.name = getattr(func, "__qualname__", repr(func))
        signature = inspect.signature(func)
        try:
            hints = get_type_hints(func, include_extras=True)
        except Exception:  # unresolvable forward references: fall back to raw annotations
            hints = {}
        self.params: list[_Param] = []
        self.var_keyword = False
        for parameter in signature.parameters.values():
            if parameter.kind is inspect.Parameter.VAR_KEYWORD:
                self.var_keyword = True
            elif parameter.kind is not inspect.Parameter.VAR_POSITIONAL:
                annotation = hints.get(parameter.name, parameter.annotation)
                self.params.append(_Param(parameter, annotation))

    def arguments(self, options: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
        """Keyword arguments from ``options`` (CLI extras) and ``values`` (app, broker, logger)."""
        kwargs: dict[str, Any] = {}
        for param in self.params:
            if param.context is not None:
                kwargs[param.name] = param.context.resolve(dict(values))
            elif param.name in options:
                value = options[param.name]
                kwargs[param.name] = (
                    param.adapter.validate_python(value) if param.adapter is not None else value
                )
            elif param.required:
                raise TypeError(
                    f"hook {self.name} needs the option --{param.name.replace('_', '-')}"
                )
        if self.var_keyword:
            for key, value in options.items():
                kwargs.setdefault(key, value)
        return kwargs

    async def __call__(self, options: Mapping[str, Any], values: Mapping[str, Any]) -> Any:
        return await call_hook(self.func, **self.arguments(options, values))


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
