"""Finding the application named by ``module:attribute`` on the command line."""

from __future__ import annotations

import importlib
import inspect
import os
import sys
from typing import Any


class AppNotFoundError(Exception):
    """The ``module:app`` target does not name an application; the message is one line."""


def import_app(target: str, *, app_dir: str = ".", factory: bool = False) -> Any:
    """Import ``module:attr.path`` from ``app_dir`` (first on ``sys.path``); call it if ``factory``.

    A module that is not there, or an attribute it lacks, raises
    ``AppNotFoundError``; an error raised while importing the module itself is
    the application's own and propagates as it is.
    """
    module_name, sep, attribute = target.partition(":")
    if not sep or not module_name or not attribute:
        raise AppNotFoundError(f"expected 'module:app', got {target!r}")
    if module_name.endswith(".py"):
        module_name = module_name[:-3].replace(os.sep, ".").replace("/", ".")
    directory = os.path.abspath(app_dir)
    if directory not in sys.path:
        sys.path.insert(0, directory)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if missing and (module_name == missing or module_name.startswith(missing + ".")):
            raise AppNotFoundError(
                f"module {module_name!r} not found (looked in {directory} and on the Python path)"
            ) from None
        raise
    obj: Any = module
    for part in attribute.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise AppNotFoundError(f"{attribute!r} not found in module {module_name!r}") from None
    if factory:
        if not callable(obj):
            raise AppNotFoundError(f"{target!r} is not callable, so it cannot be a --factory")
        obj = obj()
        if inspect.isawaitable(obj):
            raise AppNotFoundError(f"{target!r} is an async factory; --factory needs a plain one")
    return obj


def is_app(obj: Any) -> bool:
    """Whether ``obj`` is a ``FastStream`` app or can be called as ``obj(scope, receive, send)``."""
    from ..app import FastStream

    if isinstance(obj, FastStream):
        return True
    if isinstance(obj, type) or not callable(obj):
        return False
    try:
        inspect.signature(obj).bind(None, None, None)
    except TypeError:
        return False
    except ValueError:  # no signature to read (a builtin): the server will tell
        return True
    return True


def describe(obj: Any) -> str:
    """What ``obj`` is, for an error message: ``the class Order``, ``a function``."""
    if isinstance(obj, type):
        return f"the class {obj.__name__}"
    return f"a {type(obj).__name__}"
