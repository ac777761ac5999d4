"""FastStream 0.5's routing API, one scenario per feature, for every broker.

Declarative routes (``<B>Route``, ``<B>Publisher`` in ``handlers=``),
``include_router(s)`` with its keywords, ``setup_subscriber`` for a subscriber
declared on a running broker, ``ExceptionMiddleware`` and publisher
middlewares. ``test_routes.py`` runs them under each test broker,
``test_routes_real.py`` against the real servers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from faststream_fastapi import (
    BaseMiddleware,
    Context,
    Depends,
    ExceptionMiddleware,
    confluent,
    kafka,
    nats,
    rabbit,
    redis,
)
from faststream_fastapi.exceptions import SkipMessage
from support import collect, until

WAIT = 15.0


@dataclass
class Kit:
    """One broker package, and how to reach its real server."""

    pkg: ModuleType
    url: str
    prefix: str  # the package's ``<B>`` in ``<B>Broker``, ``<B>Route``, ...
    #: How a subscriber names ``name`` (a Rabbit queue is deleted when unused).
    sub: Callable[[str], Any] = lambda name: name

    def attr(self, kind: str) -> Any:
        return getattr(self.pkg, f"{self.prefix}{kind}")

    def broker(self, real: bool, **options: Any) -> Any:
        cls = self.attr("Broker")
        return cls(self.url, **options) if real else cls(**options)

    @asynccontextmanager
    async def running(self, broker: Any, real: bool) -> AsyncIterator[Any]:
        if real:
            async with broker:
                await broker.start()
                yield broker
        else:
            async with getattr(self.pkg, f"Test{self.prefix}Broker")(broker) as br:
                yield br


KITS = {
    "kafka": Kit(kafka, "127.0.0.1:9092", "Kafka"),
    "confluent": Kit(confluent, "127.0.0.1:9092", "Kafka"),
    "nats": Kit(nats, "nats://127.0.0.1:4222", "Nats"),
    "rabbit": Kit(
        rabbit,
        "amqp://guest:guest@127.0.0.1:5672/",
        "Rabbit",
        lambda name: rabbit.RabbitQueue(name, auto_delete=True),
    ),
    "redis": Kit(redis, "redis://127.0.0.1:6379", "Redis"),
}


async def routes_and_includes(kit: Kit, real: bool, name: str) -> None:
    """Routes in ``handlers=``, nested under two prefixes, with the include's
    dependencies and middlewares and the router's own, kept once moved."""
    got: asyncio.Queue[Any] = asyncio.Queue()
    calls: list[str] = []

    def double(body: int) -> int:
        return body * 2

    async def collect_out(body: int, message: Any = Context()) -> None:
        await got.put((body, message.destination))

    class Seen(BaseMiddleware):
        async def on_receive(self) -> None:
            calls.append("middleware")

    router = kit.attr("Router")(
        prefix="p.",
        dependencies=[Depends(lambda: calls.append("router dep"))],
        handlers=[
            kit.attr("Route")(
                double, kit.sub(name), publishers=[kit.attr("Publisher")(f"{name}.out")]
            ),
            kit.attr("Route")(collect_out, kit.sub(f"{name}.out")),
        ],
    )
    outer = kit.attr("Router")(prefix="o.")
    outer.include_router(
        router,
        dependencies=[Depends(lambda: calls.append("include dep"))],
        middlewares=[Seen],
        include_in_schema=False,
    )
    broker = kit.broker(real)
    broker.include_routers(outer)
    assert [s.name for s in broker.subscribers] == [f"o.p.{name}", f"o.p.{name}.out"]
    assert not any(s.include_in_schema for s in broker.subscribers)
    assert [p.name for p in broker.publishers] == [f"o.p.{name}.out"]

    async with kit.running(broker, real) as br:
        await br.publish(21, f"o.p.{name}")
        assert await asyncio.wait_for(got.get(), WAIT) == (42, f"o.p.{name}.out")
    assert calls[:3] == ["middleware", "include dep", "router dep"]


async def late_subscriber(kit: Kit, real: bool, name: str) -> None:
    """``broker.setup_subscriber(sub)`` and ``await sub.start()`` on a running broker."""
    got: asyncio.Queue[Any] = asyncio.Queue()
    broker = kit.broker(real)

    async with kit.running(broker, real) as br:
        sub = br.subscriber(kit.sub(name))

        @sub
        async def handler(body: str) -> None:
            await got.put(body)

        br.setup_subscriber(sub)
        await sub.start()
        await br.publish("late", name)
        assert await asyncio.wait_for(got.get(), WAIT) == "late"
        await sub.close()
        assert sub.subscriber.consumption is None


async def exceptions_and_publisher_middlewares(kit: Kit, real: bool, name: str) -> None:
    """``ExceptionMiddleware`` on the broker and on a subscriber; a publisher's own
    middlewares inside its router's and the broker's."""
    got: asyncio.Queue[Any] = asyncio.Queue()
    handled: list[Any] = []
    order: list[str] = []

    broker_mw = ExceptionMiddleware()

    def size(
        body: bytes = Context("message.body"), to: str = Context("message.destination")
    ) -> str:
        # A dependency of the exception handler, solved against the failed message.
        return f"{len(body)}@{to}"

    @broker_mw.add_handler(ValueError, publish=True)
    def fallback(exc: ValueError, message: Any = Context(), sized: str = Depends(size)) -> str:
        return f"fallback:{exc}:{message.destination}:{sized}"

    @broker_mw.add_handler(LookupError, publish=True)
    def skip(exc: LookupError) -> None:
        raise SkipMessage  # passes through: nothing published, nothing handled

    sub_mw = ExceptionMiddleware(handlers={ZeroDivisionError: handled.append})

    def scope(label: str) -> type[BaseMiddleware]:
        class Scope(BaseMiddleware):
            async def publish_scope(self, call_next: Any, msg: Any, **kwargs: Any) -> Any:
                order.append(label)
                return await call_next(msg, **kwargs)

        return Scope

    async def plus_one(call_next: Any, msg: Any, **kwargs: Any) -> Any:
        order.append("publisher")
        return await call_next(msg + 1, **kwargs)

    broker = kit.broker(real, middlewares=[broker_mw, scope("broker")])
    router = kit.attr("Router")(middlewares=[scope("router")])
    numbers = router.publisher(f"{name}.n", middlewares=[plus_one])

    @broker.subscriber(kit.sub(name))
    @broker.publisher(f"{name}.out")
    async def failing(body: str) -> None:
        if body == "lookup":
            raise KeyError(body)
        raise ValueError(body)

    @broker.subscriber(kit.sub(f"{name}.zero"), middlewares=[sub_mw])
    async def dividing(body: int) -> float:
        return 1 / body

    @broker.subscriber(kit.sub(f"{name}.out"))
    async def out(body: str) -> None:
        await got.put(body)

    @router.subscriber(kit.sub(f"{name}.n"))
    async def number(body: int) -> None:
        await got.put(body)

    broker.include_router(router)
    async with kit.running(broker, real) as br:
        await br.publish("lookup", name)
        await br.publish("bad", name)
        assert await asyncio.wait_for(got.get(), WAIT) == f"fallback:bad:{name}:3@{name}"
        await br.publish(0, f"{name}.zero")
        await until(lambda: handled, WAIT, "the ZeroDivisionError handled")
        assert [type(e) for e in handled] == [ZeroDivisionError]
        order.clear()
        await numbers.publish(1)
        assert await asyncio.wait_for(got.get(), WAIT) == 2
        assert order == ["broker", "router", "publisher"]
        assert await collect(0, got) == []
