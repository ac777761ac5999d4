"""Faults at the edges of the pipeline: requests nobody answers, publishing into
an outage, and readiness probes that must notice a dead broker or consumer.

Private broker processes on free loopback ports (RabbitMQ: a cut TCP relay);
the shared brokers are only read from, never stopped.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import aio_pika
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis

from faststream_fastapi.asgi import make_ping_asgi, make_ready_asgi
from faststream_fastapi.core.errors import PublishError
from faststream_fastapi.nats import NatsBroker
from faststream_fastapi.rabbit import RabbitBroker
from faststream_fastapi.redis import RedisBroker, StreamSub
from faststream_fastapi.redis.fastapi import RedisRouter
from servers import end, free_port, nats_argv, redis_argv, running
from support import TcpRelay, asgi_client

AMQP = "amqp://guest:guest@127.0.0.1:5672/"


# -- request/reply with no responder ----------------------------------------------

REQUESTS = 30
TIMEOUT = 0.05


@pytest.mark.redis
async def test_redis_requests_without_responder_time_out_and_leak_nothing(name: str) -> None:
    broker = RedisBroker("redis://127.0.0.1:6379")
    async with broker:
        for _ in range(REQUESTS):
            started = time.monotonic()
            with pytest.raises(TimeoutError):
                await broker.request(1, name, timeout=TIMEOUT)
            assert time.monotonic() - started < TIMEOUT + 0.5
        transport: Any = broker.transport
        assert transport._waiters == {}
        # One reply inbox per connection, however many requests.
        inbox = transport._inbox
        admin = Redis.from_url("redis://127.0.0.1:6379")
        try:
            numsub = dict(await admin.pubsub_numsub(inbox))
            ours = [c for c in await admin.pubsub_channels("_inbox.*") if c.decode() == inbox]
        finally:
            await admin.aclose()
        assert numsub[inbox.encode()] == 1
        assert len(ours) == 1
    admin = Redis.from_url("redis://127.0.0.1:6379")
    try:
        assert dict(await admin.pubsub_numsub(inbox))[inbox.encode()] == 0  # gone at close
    finally:
        await admin.aclose()


@pytest.mark.nats
async def test_nats_requests_without_responder_time_out_and_leak_nothing(name: str) -> None:
    broker = NatsBroker("nats://127.0.0.1:4222")

    @broker.subscriber(f"{name}.other")
    async def unrelated() -> None:
        return None

    async with broker:
        await broker.start()
        client: Any = broker.transport.client  # type: ignore[attr-defined]
        before = len(client._subs)
        for _ in range(REQUESTS):
            started = time.monotonic()
            with pytest.raises(TimeoutError):  # core: "no responders", at once
                await broker.request(1, name, timeout=TIMEOUT)
            assert time.monotonic() - started < TIMEOUT + 0.5
        for _ in range(10):
            started = time.monotonic()
            with pytest.raises(TimeoutError):  # JetStream: stored, nobody consumes
                await broker.request(1, f"{name}.js", stream=name, timeout=TIMEOUT)
            assert time.monotonic() - started < TIMEOUT + 1.0
        assert len(client._subs) <= before + 1  # nats-py's shared request inbox at most
        await broker.transport._jetstream().delete_stream(name)  # type: ignore[attr-defined]


@pytest.mark.rabbit
async def test_rabbit_requests_without_responder_time_out_and_leak_nothing(name: str) -> None:
    connection = await aio_pika.connect(AMQP)
    async with connection:
        admin = await connection.channel()
        await admin.declare_queue(name, auto_delete=False)  # routable, but nobody consumes
        try:
            broker = RabbitBroker(AMQP)
            async with broker:
                for _ in range(REQUESTS):
                    started = time.monotonic()
                    with pytest.raises(TimeoutError):
                        await broker.request(1, name, timeout=TIMEOUT)
                    assert time.monotonic() - started < TIMEOUT + 0.5
                transport: Any = broker.transport
                assert transport._waiters == {}
                channel = await transport._channel.get_underlay_channel()
                assert len(channel.consumers) == 1  # the one direct reply-to consumer
        finally:
            await admin.queue_delete(name)


# -- publishing into an outage ---------------------------------------------------------


@pytest.mark.redis
async def test_redis_publish_while_the_server_is_down_raises(name: str, tmp_path: Path) -> None:
    port = free_port()
    async with running(port, *redis_argv(port, tmp_path)) as proc:
        broker = RedisBroker(f"redis://127.0.0.1:{port}", socket_timeout=1.0)
        async with broker:
            await broker.publish(1, stream=name)
            await end(proc)
            for target in ({"stream": name}, {"list": name}, {"channel": name}):
                started = time.monotonic()
                with pytest.raises(PublishError, match="failed"):
                    await broker.publish(2, **target)
                assert time.monotonic() - started < 3.0


@pytest.mark.nats
async def test_nats_jetstream_publish_while_the_server_is_down_raises(
    name: str, tmp_path: Path
) -> None:
    port = free_port()
    async with running(port, *nats_argv(port, tmp_path)) as proc:
        broker = NatsBroker(f"nats://127.0.0.1:{port}", reconnect_time_wait=0.1)
        async with broker:
            await broker.publish(1, name, stream=name)
            await end(proc)
            started = time.monotonic()
            with pytest.raises(PublishError):
                await broker.publish(2, name, stream=name, timeout=0.5)
            assert time.monotonic() - started < 2.0
            # Core NATS is at-most-once: nats-py buffers a publish while it
            # reconnects (up to ``pending_size``) and raises only past that.
            await broker.publish(3, name)


@pytest.mark.rabbit
async def test_rabbit_publish_while_the_connection_is_down_raises(name: str) -> None:
    relay = TcpRelay(5672)
    port = await relay.start()
    broker = RabbitBroker(f"amqp://guest:guest@127.0.0.1:{port}/", reconnect_interval=0.2)
    try:
        async with broker:
            await broker.publish(1, name, mandatory=False)
            await relay.close()  # cut and no way back: every reconnect attempt fails
            started = time.monotonic()
            with pytest.raises(PublishError):
                await broker.publish(2, name, mandatory=False, timeout=1.0)
            assert time.monotonic() - started < 3.0
    finally:
        await relay.close()


# -- readiness ---------------------------------------------------------------------


@pytest.mark.redis
async def test_readiness_fails_on_a_dead_consumer_and_on_a_dead_server(
    name: str, tmp_path: Path
) -> None:
    port = free_port()
    async with running(port, *redis_argv(port, tmp_path)) as proc:
        url = f"redis://127.0.0.1:{port}"
        router = RedisRouter(url, schema_url=None, socket_timeout=1.0)

        @router.subscriber(stream=StreamSub(name, group="g", polling_interval=0.05))
        async def handle(n: int) -> None:
            return None

        router.add_ready_route("/ready", timeout=1.0)
        app = FastAPI()
        app.include_router(router)
        broker = router.broker
        ping, ready = make_ping_asgi(broker, timeout=1.0), make_ready_asgi(broker, timeout=1.0)
        async with (
            asgi_client(app) as http,
            asgi_client(ping) as pinger,
            asgi_client(ready) as readier,
        ):
            assert (await http.get("/ready")).status_code == 503  # not started yet
            await broker.start()
            try:
                assert broker.healthy() and await broker.ready(1.0)
                assert (await http.get("/ready")).status_code == 204
                assert (await readier.get("/")).status_code == 204

                # The consume loop dies on an error it does not retry (WRONGTYPE),
                # while the connection stays up: ping passes, readiness fails.
                admin = Redis.from_url(url)
                try:
                    await admin.delete(name)
                    await admin.set(name, "not a stream")
                finally:
                    await admin.aclose()
                consumption: Any = broker.subscribers[0].consumption
                deadline = time.monotonic() + 5
                while consumption.alive:
                    assert time.monotonic() < deadline, "the consume loop did not die"
                    await asyncio.sleep(0.02)
                assert not broker.healthy()
                assert (await pinger.get("/")).status_code == 204
                assert (await readier.get("/")).status_code == 503
                assert (await http.get("/ready")).status_code == 503
                assert (await http.get("/ready")).content == b""  # no internals

                # The server gone: ping fails too.
                await end(proc)
                assert (await pinger.get("/")).status_code == 500
                assert (await readier.get("/")).status_code == 503
            finally:
                await broker.close()
        assert not broker.healthy()


@pytest.mark.redis
async def test_http_handler_maps_a_failed_publish_to_503(name: str, tmp_path: Path) -> None:
    from fastapi import HTTPException

    from faststream_fastapi.core.errors import BrokerConnectionError

    port = free_port()
    async with running(port, *redis_argv(port, tmp_path)) as proc:
        router = RedisRouter(f"redis://127.0.0.1:{port}", schema_url=None, socket_timeout=1.0)

        @router.post("/orders", status_code=202)
        async def create(order: dict[str, int]) -> dict[str, str]:
            try:
                await router.broker.publish(order, stream=name)
            except (PublishError, BrokerConnectionError) as exc:
                raise HTTPException(503, "orders are unavailable, retry later") from exc
            return {"status": "accepted"}

        app = FastAPI()
        app.include_router(router)
        async with asgi_client(app) as http:
            assert (await http.post("/orders", json={"id": 1})).status_code == 503  # not started
            await router.broker.start()
            try:
                assert (await http.post("/orders", json={"id": 2})).status_code == 202
                await end(proc)
                started = time.monotonic()
                answer = await http.post("/orders", json={"id": 3})
                assert (answer.status_code, answer.json()) == (
                    503,
                    {"detail": "orders are unavailable, retry later"},
                )
                assert time.monotonic() - started < 3.0
            finally:
                await router.broker.close()


async def test_ready_under_the_test_broker_and_before_start(name: str) -> None:
    from faststream_fastapi.redis import TestRedisBroker

    broker = RedisBroker()

    @broker.subscriber(name)
    async def handle(n: int) -> None:
        return None

    assert not broker.healthy()
    async with TestRedisBroker(broker):
        assert broker.healthy() and await broker.ready(1.0)
        async with asgi_client(make_ready_asgi(broker)) as http:
            assert (await http.get("/")).status_code == 204
    with pytest.raises(ValueError, match="timeout"):
        make_ready_asgi(broker, timeout=0)
