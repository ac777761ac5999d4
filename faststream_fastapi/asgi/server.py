"""Serving an ASGI app with uvicorn on one or more addresses (``--bind``).

An address is ``host:port``, ``[::]:port``, ``unix:/path.sock`` or
``fd://N``. The sockets are opened here, so one process can listen on
several at once, and a unix socket file is removed when serving ends.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import stat
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger("faststream_fastapi")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
#: Seconds open HTTP requests get to finish once a shutdown starts.
GRACEFUL_TIMEOUT = 30


@dataclass(frozen=True)
class Address:
    """A parsed ``--bind`` value."""

    kind: str  # "tcp", "unix" or "fd"
    host: str = ""
    port: int = 0
    path: str = ""
    fd: int = -1

    def __str__(self) -> str:
        if self.kind == "unix":
            return f"unix:{self.path}"
        if self.kind == "fd":
            return f"fd://{self.fd}"
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def parse_bind(text: str) -> Address:
    """``host:port``, ``[::]:port``, ``host`` (port 8000), ``unix:/path`` or ``fd://N``."""
    if text.startswith("unix:"):
        path = text[len("unix:") :]
        if not path:
            raise ValueError(f"no socket path in {text!r}")
        return Address("unix", path=path)
    if text.startswith("fd://"):
        try:
            return Address("fd", fd=int(text[len("fd://") :]))
        except ValueError:
            raise ValueError(f"not a file descriptor number: {text!r}") from None
    host, port = text, str(DEFAULT_PORT)
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise ValueError(f"unclosed '[' in {text!r}")
        host, rest = text[1:end], text[end + 1 :]
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"expected ':port' after ']' in {text!r}")
            port = rest[1:]
    elif text.count(":") == 1:
        host, port = text.split(":")
    try:
        number = int(port)
    except ValueError:
        raise ValueError(f"not a port number in {text!r}") from None
    if not 0 <= number <= 65535:
        raise ValueError(f"port out of range in {text!r}")
    return Address("tcp", host=host or DEFAULT_HOST, port=number)


def resolve_binds(
    host: str | None = None, port: int | str | None = None, bind: Sequence[str] | str | None = None
) -> list[str]:
    """The addresses to listen on: ``--bind`` values plus ``--host``/``--port``, if given."""
    binds = [bind] if isinstance(bind, str) else list(bind or [])
    if host is not None or port is not None or not binds:
        host = host or DEFAULT_HOST
        address = f"[{host}]" if ":" in host else host
        binds.append(f"{address}:{port if port is not None else DEFAULT_PORT}")
    return binds


def open_socket(address: Address) -> socket.socket:
    """A bound socket for ``address`` (asyncio's server calls ``listen``)."""
    if address.kind == "fd":
        return socket.socket(fileno=address.fd)
    if address.kind == "unix":
        with contextlib.suppress(FileNotFoundError):
            if stat.S_ISSOCK(os.stat(address.path).st_mode):
                os.unlink(address.path)  # a stale socket from an earlier run
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.bind(address.path)
            os.chmod(address.path, 0o666)
        except BaseException:
            sock.close()
            raise
        return sock
    family = socket.AF_INET6 if ":" in address.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            # so that '0.0.0.0:8000' and '[::]:8000' can be bound together
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind((address.host, address.port))
    except BaseException:
        sock.close()
        raise
    return sock


@contextlib.contextmanager
def open_sockets(binds: Sequence[str]) -> Iterator[list[socket.socket]]:
    """Bound sockets for ``binds``; closed (and unix socket files removed) on exit."""
    addresses = [parse_bind(b) for b in binds]
    sockets: list[socket.socket] = []
    try:
        for address in addresses:
            sockets.append(open_socket(address))
        yield sockets
    finally:
        for sock in sockets:
            sock.close()
        for address in addresses:
            if address.kind == "unix":
                with contextlib.suppress(OSError):
                    os.unlink(address.path)


@contextlib.contextmanager
def signals_end_quietly() -> Iterator[None]:
    # uvicorn re-raises the signal that stopped it once it is done; by then the
    # shutdown was graceful, so the re-raised SIGTERM/SIGINT should do nothing.
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {sig: signal.signal(sig, _ignore) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def _ignore(signum: int, frame: Any) -> None:
    return None


async def serve(
    app: Any,
    binds: Sequence[str],
    *,
    lifespan: str = "on",
    on_server: Callable[[Any], None] | None = None,
    **uvicorn_options: Any,
) -> bool:
    """Serve ``app`` with uvicorn on ``binds`` until SIGINT or SIGTERM (or until
    the server, given to ``on_server`` first, is told ``should_exit``).

    Returns False when the app's startup failed (nothing was served).
    """
    try:
        import uvicorn
    except ImportError as exc:  # pragma: no cover - uvicorn is in the cli extra
        raise RuntimeError(
            "serving ASGI needs uvicorn, from this project's cli extra"
            " (in its clone: pip install -e '.[cli]')"
        ) from exc
    # Open HTTP requests get this long to finish on shutdown; messages have the broker's own.
    uvicorn_options.setdefault("timeout_graceful_shutdown", GRACEFUL_TIMEOUT)
    config = uvicorn.Config(app, lifespan=lifespan, **uvicorn_options)  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    if on_server is not None:
        on_server(server)
    with open_sockets(binds) as sockets, signals_end_quietly():
        logger.info("listening on %s", ", ".join(binds))
        await server.serve(sockets=sockets)
    return bool(server.started)
