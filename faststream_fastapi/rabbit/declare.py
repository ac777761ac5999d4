"""Declaring RabbitMQ exchanges, queues and bindings, and checking first that the
server knows an exchange type a plugin adds.

Declaring an exchange of a type the server does not know is not a channel error
but a connection one (``COMMAND_INVALID``): RabbitMQ closes the whole connection,
every consumer on it included. So a plugin's type is first tried once, on a
short-lived connection of its own, and a missing plugin becomes a ``SetupError``
naming it.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Mapping
from typing import Any

import aio_pika
import aiormq
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractQueue

from ..core.errors import SetupError
from .specs import ExchangeType, RabbitExchange, Subscription

#: The exchange types plugins add, and the plugin each needs.
PLUGINS = {
    ExchangeType.X_DELAYED_MESSAGE: "rabbitmq_delayed_message_exchange",
    ExchangeType.X_CONSISTENT_HASH: "rabbitmq_consistent_hash_exchange",
    ExchangeType.X_MODULUS_HASH: "rabbitmq_sharding",
}
#: What a delayed-message exchange routes like once the delay is over.
DELAYED_TYPE = "x-delayed-type"


class PluginTypes:
    """Which plugin exchange types the server has, asked once per type."""

    def __init__(self, url: str, connect_timeout: float, options: Mapping[str, Any]) -> None:
        self.url = url
        self.connect_timeout = connect_timeout
        self.options = options
        self.known: set[ExchangeType] = set()

    async def check(self, kind: ExchangeType) -> None:
        """Raise ``SetupError`` if ``kind`` needs a plugin the server lacks."""
        plugin = PLUGINS.get(kind)
        if plugin is None or kind in self.known:
            return
        connection = await aio_pika.connect(
            self.url, timeout=self.connect_timeout, **dict(self.options)
        )
        try:
            channel = await connection.channel()
            name = f"faststream_fastapi.probe.{uuid.uuid4().hex}"
            arguments = {DELAYED_TYPE: "direct"} if kind is ExchangeType.X_DELAYED_MESSAGE else None
            probe = await channel.declare_exchange(
                name, kind.value, auto_delete=True, arguments=arguments
            )
            await probe.delete()
        except aiormq.exceptions.ConnectionCommandInvalid as exc:
            raise SetupError(
                f"RabbitMQ has no exchange type {kind.value!r}: enable the {plugin} plugin"
            ) from exc
        finally:
            with contextlib.suppress(Exception):
                await connection.close()
        self.known.add(kind)


async def declare_exchange(
    channel: AbstractChannel, exchange: RabbitExchange, plugins: PluginTypes
) -> AbstractExchange:
    if exchange.must_exist:
        return await channel.declare_exchange(exchange.name, passive=True)
    await plugins.check(exchange.type)
    arguments = _args(exchange.arguments)
    if exchange.type is ExchangeType.X_DELAYED_MESSAGE:
        # The plugin refuses the exchange without it; direct is what 0.5's users get.
        arguments = {DELAYED_TYPE: ExchangeType.DIRECT.value, **(arguments or {})}
    return await channel.declare_exchange(
        exchange.name,
        aio_pika.ExchangeType(exchange.type.value),
        durable=exchange.durable,
        auto_delete=exchange.auto_delete,
        arguments=arguments,
    )


async def declare_queue(
    channel: AbstractChannel, spec: Subscription, plugins: PluginTypes
) -> AbstractQueue:
    """Declare the queue, and its exchange and binding when it has one."""
    q = spec.queue
    if q.passive:
        queue = await channel.declare_queue(q.name, passive=True)
    else:
        queue = await channel.declare_queue(
            q.name or None,
            durable=q.durable,
            exclusive=q.exclusive,
            auto_delete=q.auto_delete,
            arguments=_args(q.arguments),
        )
    if spec.exchange is not None:
        exchange = await declare_exchange(channel, spec.exchange, plugins)
        await queue.bind(
            exchange, routing_key=q.binding_key, arguments=_args(spec.binding_arguments())
        )
    return queue


def _args(arguments: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return dict(arguments) if arguments else None
