"""Plain functions with parameters filled as a handler's are: ``apply_types`` and hooks.

A function is analysed once (``Injector``): each parameter is a context value
(``Context(...)``, ``Logger``, ``ContextRepo``, a bare message/broker/logger
type), a dependency (``Depends(f)``, itself analysed the same way and given the
same arguments) or a plain value, validated against its annotation by pydantic
when the function casts (``"1"`` for ``a: int`` gives ``1``), as FastStream
0.5's ``apply_types`` does.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeVar, get_args, get_origin, get_type_hints, overload

from fastapi import params
from pydantic import TypeAdapter

from .core.callplan.signature import framework_name
from .core.context import ContextField, outside_locals
from .core.errors import SetupError

F = TypeVar("F", bound=Callable[..., Any])

_VALUE, _CONTEXT, _DEPENDS = range(3)
_EMPTY = inspect.Parameter.empty


def _missing_argument(owner: str, name: str) -> Exception:
    return TypeError(f"{owner}() missing required argument: {name!r}")


class _Arg:
    __slots__ = ("adapter", "default", "dep", "field", "kind", "name", "required", "use_cache")

    def __init__(self, name: str, kind: int, default: Any) -> None:
        self.name = name
        self.kind = kind
        self.default = default
        self.required = default is _EMPTY
        self.adapter: TypeAdapter[Any] | None = None
        self.field: ContextField | None = None
        self.dep: Injector | None = None
        self.use_cache = True


def _marker(default: Any, annotation: Any) -> tuple[Any, params.Depends | None]:
    """The annotation without ``Annotated``, and the ``Depends`` marker if any."""
    found = default if isinstance(default, params.Depends) else None
    if get_origin(annotation) is Annotated:
        base, *metadata = get_args(annotation)
        for item in metadata:
            if found is None and isinstance(item, params.Depends):
                found = item
        return base, found
    return annotation, found


class Injector:
    """``func`` analysed once: how each of its parameters is filled."""

    def __init__(
        self,
        func: Callable[..., Any],
        *,
        cast: bool = True,
        missing: Callable[[str, str], Exception] = _missing_argument,
        dependency: bool = False,
    ) -> None:
        self.func = func
        self.name = getattr(func, "__qualname__", None) or repr(func)
        self.missing = missing
        target = inspect.unwrap(func)
        self.is_async = not inspect.isclass(target) and (
            inspect.iscoroutinefunction(target)
            or inspect.iscoroutinefunction(getattr(target, "__call__", None))  # noqa: B004
        )
        if dependency and (
            inspect.isgeneratorfunction(target) or inspect.isasyncgenfunction(target)
        ):
            raise SetupError(
                f"{self.name}: dependencies with yield are not supported here, only "
                "in handlers; return the value instead"
            )
        self.signature = inspect.signature(func)
        try:
            hints = get_type_hints(func, include_extras=True)
        except Exception:  # unresolvable forward references: fall back to raw annotations
            hints = {}
        self.args: list[_Arg] = []
        self.positional: list[str] = []  # positional-only parameters, in order
        self.var_positional: str | None = None
        self.var_keyword: str | None = None
        for parameter in self.signature.parameters.values():
            if parameter.kind is parameter.VAR_POSITIONAL:
                self.var_positional = parameter.name
                continue
            if parameter.kind is parameter.VAR_KEYWORD:
                self.var_keyword = parameter.name
                continue
            if parameter.kind is parameter.POSITIONAL_ONLY:
                self.positional.append(parameter.name)
            self.args.append(
                self._arg(parameter, hints.get(parameter.name, parameter.annotation), cast)
            )
        self.has_async_deps: bool = any(
            a.dep is not None and (a.dep.is_async or a.dep.has_async_deps) for a in self.args
        )
        if self.has_async_deps and not self.is_async:
            raise SetupError(
                f"{self.name} is not async and cannot use an async dependency; make it async"
            )

    def _arg(self, parameter: inspect.Parameter, annotation: Any, cast: bool) -> _Arg:
        base, marker = _marker(parameter.default, annotation)
        default = _EMPTY if isinstance(parameter.default, params.Depends) else parameter.default
        if marker is not None and isinstance(marker.dependency, ContextField):
            arg = _Arg(parameter.name, _CONTEXT, default)
            arg.field = marker.dependency.named(parameter.name).typed(base)
        elif marker is not None:
            arg = _Arg(parameter.name, _DEPENDS, default)
            dependency = marker.dependency if marker.dependency is not None else base
            arg.dep = Injector(dependency, cast=cast, missing=self.missing, dependency=True)
            arg.use_cache = marker.use_cache
        elif (name := framework_name(base)) is not None:
            arg = _Arg(parameter.name, _CONTEXT, default)
            arg.field = ContextField(name)
        else:
            arg = _Arg(parameter.name, _VALUE, default)
            if cast and base not in (_EMPTY, Any):
                try:
                    arg.adapter = TypeAdapter(base)
                except Exception:  # a type pydantic cannot check: pass values as given
                    arg.adapter = None
        return arg

    # -- calling ---------------------------------------------------------------

    def _own(self, given: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
        """The values and context values (not the dependencies) from ``given``."""
        kwargs: dict[str, Any] = {}
        for arg in self.args:
            if arg.kind == _DEPENDS:
                continue
            if arg.name in given:
                value = given[arg.name]
                kwargs[arg.name] = (
                    value if arg.adapter is None else arg.adapter.validate_python(value)
                )
            elif arg.field is not None:
                kwargs[arg.name] = arg.field.resolve(values)
            elif arg.required:
                raise self.missing(self.name, arg.name)
        if self.var_keyword is not None:
            known = {a.name for a in self.args}
            for key, value in given.items():
                if key not in known:
                    kwargs[key] = value
        return kwargs

    def _call(self, kwargs: dict[str, Any], star: tuple[Any, ...]) -> Any:
        args = [kwargs.pop(name) for name in self.positional if name in kwargs]
        return self.func(*args, *star, **kwargs)

    def kwargs(
        self,
        given: Mapping[str, Any],
        values: Mapping[str, Any],
        cache: dict[Any, Any] | None = None,
    ) -> dict[str, Any]:
        """The keyword arguments ``func`` takes from ``given`` (its dependencies all plain)."""
        cache = {} if cache is None else cache
        kwargs = self._own(given, values)
        for arg in self.args:
            if arg.dep is not None and not self._filled(arg, given, cache, kwargs):
                kwargs[arg.name] = value = arg.dep.call(given, values, cache=cache)
                if arg.use_cache:
                    cache[arg.dep.func] = value
        return kwargs

    @staticmethod
    def _filled(
        arg: _Arg, given: Mapping[str, Any], cache: dict[Any, Any], kwargs: dict[str, Any]
    ) -> bool:
        """Fill a dependency's argument given by the caller or already in ``cache``;
        False if its dependency has to be called."""
        if arg.name in given:
            kwargs[arg.name] = given[arg.name]
            return True
        if arg.use_cache and arg.dep is not None and arg.dep.func in cache:
            kwargs[arg.name] = cache[arg.dep.func]
            return True
        return False

    def call(
        self,
        given: Mapping[str, Any],
        values: Mapping[str, Any],
        star: tuple[Any, ...] = (),
        cache: dict[Any, Any] | None = None,
    ) -> Any:
        """Call ``func`` (its dependencies all plain) with what it takes from ``given``."""
        return self._call(self.kwargs(given, values, cache), star)

    async def acall(
        self,
        given: Mapping[str, Any],
        values: Mapping[str, Any],
        star: tuple[Any, ...] = (),
        cache: dict[Any, Any] | None = None,
    ) -> Any:
        """``call``, awaiting ``func`` and the dependencies that are async."""
        cache = {} if cache is None else cache
        kwargs = self._own(given, values)
        for arg in self.args:
            if arg.dep is not None and not self._filled(arg, given, cache, kwargs):
                kwargs[arg.name] = value = await arg.dep.acall(given, values, cache=cache)
                if arg.use_cache:
                    cache[arg.dep.func] = value
        result = self._call(kwargs, star)
        if inspect.isawaitable(result):
            result = await result
        return result

    def given(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[dict[str, Any], tuple[Any, ...]]:
        """A call's arguments by parameter name, and its ``*args``. Keywords the function
        does not name are kept for its dependencies (``f(key=1)`` feeds ``dep(key)``),
        as FastStream 0.5's ``apply_types`` did."""
        named: dict[str, Any] = {}
        star: tuple[Any, ...] = ()
        if args:
            named = dict(self.signature.bind_partial(*args).arguments)
            if self.var_positional is not None:
                star = tuple(named.pop(self.var_positional, ()))
        for key, value in kwargs.items():
            if key in named:
                raise TypeError(f"{self.name}() got multiple values for argument {key!r}")
            named[key] = value
        return named, star


@overload
def apply_types(func: F, /, *, cast: bool = True) -> F: ...
@overload
def apply_types(func: None = None, /, *, cast: bool = True) -> Callable[[F], F]: ...


def apply_types(func: F | None = None, /, *, cast: bool = True) -> F | Callable[[F], F]:
    """Fill ``func``'s parameters as a handler's are filled, on each call: ``Context(...)``,
    ``Logger``, ``ContextRepo`` and the message of the handler it is called from,
    ``Depends(...)``, and arguments validated against their annotations (with
    ``cast=False``, passed as given). FastStream 0.5's ``apply_types``.

    A parameter named in the call keeps the value given. Context values are the
    repository's (``context.set_global``/``scope``/``set_local``), the message being
    handled in this task, the package logger as ``"logger"`` and the repository as
    ``"context"``.
    """

    def decorate(f: F) -> F:
        injector = Injector(f, cast=cast)
        if injector.is_async:

            @functools.wraps(f)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                named, star = injector.given(args, kwargs)
                return await injector.acall(named, outside_locals(), star)

            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(f)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            named, star = injector.given(args, kwargs)
            return injector.call(named, outside_locals(), star)

        return wrapper  # type: ignore[return-value]

    return decorate if func is None else decorate(func)
