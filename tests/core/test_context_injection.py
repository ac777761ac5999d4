"""Context and dependency injection as FastStream 0.5 offers it beyond handlers:
lifecycle hooks and ``apply_types`` functions, ``Context(cast=True)``, dotted
context paths through mappings, and 0.5's annotation and ``TestApp`` import paths.

In memory on every broker's test broker; the real-broker counterparts are in
``test_context_injection_real.py``.
"""

import importlib
import logging
from contextlib import asynccontextmanager
from typing import Annotated, Any
from uuid import uuid4

import pytest
from pydantic import ValidationError

from faststream_fastapi import (
    Context,
    ContextRepo,
    Depends,
    FastStream,
    Logger,
    TestApp,
    apply_types,
    context,
)
from faststream_fastapi.core.errors import ContextKeyError, SetupError
from faststream_fastapi.core.message import StreamMessage
from faststream_fastapi.redis import RedisBroker, TestRedisBroker

PACKAGES = ["kafka", "confluent", "nats", "rabbit", "redis"]


@pytest.fixture
def key() -> Any:
    name = f"k-{uuid4().hex}"
    yield name
    context.reset_global(name)


# -- lifecycle hooks -------------------------------------------------------------


async def test_hooks_take_the_context_repo_and_context_values(key: str) -> None:
    broker = RedisBroker()
    app = FastStream(broker, logger=None)
    seen: dict[str, Any] = {}

    @app.on_startup
    async def setup(repo: ContextRepo, env: str = ".env") -> None:
        repo.set_global(key, {"env": env})

    @app.after_startup
    def later(value: dict[str, str] = Context(key), log: Logger = None) -> None:  # type: ignore[assignment]
        seen["after"] = dict(value)

    @app.on_shutdown
    async def shutdown(value: dict[str, str] = Context(key)) -> None:
        value.clear()

    async with TestRedisBroker(broker), TestApp(app, {"env": "prod"}):
        assert context.get(key) == {"env": "prod"}
    assert seen == {"after": {"env": "prod"}}
    assert context.get(key) == {}


async def test_a_lifespan_takes_the_context_repo_and_options(key: str) -> None:
    @asynccontextmanager
    async def lifespan(repo: ContextRepo, level: int = 0) -> Any:
        repo.set_global(key, level)
        yield
        repo.set_global(key, -1)

    app = FastStream(logger=None, lifespan=lifespan)
    async with TestApp(app, {"level": "3"}):
        assert context.get(key) == 3  # converted to the annotation
    assert context.get(key) == -1


async def test_hooks_resolve_depends_from_the_options() -> None:
    app = FastStream(logger=None)
    seen: list[Any] = []

    def port_of(port: int) -> int:
        return port + 1

    async def host_of(host: str = "localhost") -> str:
        return host.upper()

    @app.on_startup
    async def setup(next_port: int = Depends(port_of), host: str = Depends(host_of)) -> None:
        seen.append((next_port, host))

    await app.start(port="80")
    await app.stop()
    assert seen == [(81, "LOCALHOST")]


async def test_a_hook_parameter_nothing_supplies_fails_the_start_clearly() -> None:
    app = FastStream(logger=None)

    @app.on_startup
    def needs(model_path: str) -> None: ...

    with pytest.raises(TypeError, match="--model-path"):
        await app.start()

    other = FastStream(logger=None)

    @other.on_startup
    def reads(model: Any = Context("no-such-model")) -> None: ...

    with pytest.raises(ContextKeyError, match="no-such-model"):
        await other.start()


def test_a_yield_dependency_in_a_hook_is_refused_at_registration() -> None:
    app = FastStream(logger=None)

    def resource() -> Any:
        yield 1

    with pytest.raises(SetupError, match="yield"):

        @app.on_startup
        def hook(r: Any = Depends(resource)) -> None: ...


# -- apply_types -------------------------------------------------------------------


def test_apply_types_casts_arguments_and_fills_plain_dependencies() -> None:
    def total(a: int, b: int = 3) -> int:
        return a + b

    @apply_types
    def method(a: int, d: int = Depends(total)) -> int:
        return a + d

    assert method("1") == 5
    assert method(a="2", d=10) == 12  # a value given by name wins over the dependency
    with pytest.raises(ValidationError):
        method("x")


async def test_apply_types_on_async_functions_awaits_async_dependencies() -> None:
    calls: list[int] = []

    async def simple(a: int, b: int = 3) -> int:
        calls.append(a)
        return a + b

    @apply_types
    async def method(a: int, b: int = Depends(simple), c: int = Depends(simple)) -> int:
        return a + b + c

    assert await method("1") == 9
    assert calls == [1]  # one call per dependency and call, as handlers cache them


def test_apply_types_cast_false_passes_values_as_given() -> None:
    @apply_types(cast=False)
    def method(a: int) -> Any:
        return a

    assert method("1") == "1"


def test_apply_types_refuses_an_async_dependency_of_a_plain_function() -> None:
    async def dep() -> int:
        return 1

    with pytest.raises(SetupError, match="not async"):

        @apply_types
        def method(x: int = Depends(dep)) -> int:
            return x


def test_apply_types_reads_the_context(key: str) -> None:
    context.set_global(key, "1")

    @apply_types
    def method(value: Any = Context(key), number: int = Context(key, cast=True)) -> Any:
        return value, number

    assert method() == ("1", 1)
    with context.scope(key, "2"):
        assert method() == ("2", 2)


def test_apply_types_missing_context_value_raises() -> None:
    @apply_types
    def method(value: Any = Context("nowhere-to-be-found")) -> Any:
        return value

    with pytest.raises(ContextKeyError):
        method()


@pytest.mark.parametrize("pkg", PACKAGES)
async def test_apply_types_inside_a_handler_sees_its_message_and_local_context(
    pkg: str,
) -> None:
    mod = importlib.import_module(f"faststream_fastapi.{pkg}")
    ann = importlib.import_module(f"faststream_fastapi.{pkg}.annotations")
    kind = {"kafka": "Kafka", "confluent": "Kafka", "nats": "Nats", "rabbit": "Rabbit"}.get(
        pkg, "Redis"
    )
    broker = getattr(mod, f"{kind}Broker")()
    Message = getattr(ann, f"{kind}Message")
    seen: list[Any] = []

    @apply_types
    def inner(
        body: Any, message: Message, correlation_id: Any = Context(), logger: Any = Context()
    ) -> None:  # type: ignore[valid-type]
        seen.append(
            (body, message.correlation_id == correlation_id, isinstance(logger, logging.Logger))
        )

    name = f"t-{uuid4().hex}"

    @broker.subscriber(name)
    async def handle(body: str, message: Message, repo: ann.ContextRepo) -> None:  # type: ignore[valid-type, name-defined]
        with repo.scope("correlation_id", message.correlation_id):
            inner(body)
        tag = context.set_local("correlation_id", message.correlation_id)
        inner(body)
        context.reset_local("correlation_id", tag)

    async with getattr(mod, f"Test{kind}Broker")(broker) as br:
        await br.publish("hi", name)
    assert seen == [("hi", True, True), ("hi", True, True)]


# -- handlers: Context(cast=True), dotted paths, ContextRepo -----------------------


@pytest.mark.parametrize("pkg", PACKAGES)
async def test_handler_context_cast_headers_path_and_repo(pkg: str, key: str) -> None:
    mod = importlib.import_module(f"faststream_fastapi.{pkg}")
    ann = importlib.import_module(f"faststream_fastapi.{pkg}.annotations")
    kind = {"kafka": "Kafka", "confluent": "Kafka", "nats": "Nats", "rabbit": "Rabbit"}.get(
        pkg, "Redis"
    )
    broker = getattr(mod, f"{kind}Broker")()
    context.set_global(key, "1")
    seen: dict[str, Any] = {}
    name = f"t-{uuid4().hex}"

    @broker.subscriber(name)
    async def handle(
        body: str,
        raw: Any = Context(key),
        number: int = Context(key, cast=True),
        user: str = Context("message.headers.user"),
        missing: str = Context("message.headers.nobody", default="none"),
        repo: ann.ContextRepo = None,  # type: ignore[name-defined]
        whole: Any = Context("context"),
    ) -> None:
        seen.update(raw=raw, number=number, user=user, missing=missing, repo=repo, whole=whole)

    async with getattr(mod, f"Test{kind}Broker")(broker) as br:
        await br.publish("hi", name, headers={"user": "ann"})
    assert seen == {
        "raw": "1",
        "number": 1,
        "user": "ann",
        "missing": "none",
        "repo": context,
        "whole": context,
    }


async def test_a_cast_context_value_that_does_not_fit_is_a_validation_error(key: str) -> None:
    broker = RedisBroker()
    context.set_global(key, "not a number")
    name = f"t-{uuid4().hex}"
    errors: list[BaseException] = []

    @broker.subscriber(name)
    async def handle(body: str, number: int = Context(key, cast=True)) -> None: ...

    async with TestRedisBroker(broker) as br:
        try:
            await br.publish("hi", name)
        except Exception as exc:
            errors.append(exc)
    assert errors and "int" in str(errors[0])


def test_a_context_field_in_annotated_metadata_casts() -> None:
    @apply_types
    def method(n: Annotated[int, Context("n-val", cast=True)]) -> int:
        return n

    with context.scope("n-val", "7"):
        assert method() == 7


# -- 0.5's import paths ---------------------------------------------------------------

EXPORTS = {
    "kafka": {"KafkaBroker", "KafkaMessage", "KafkaProducer"},
    "confluent": {"KafkaBroker", "KafkaMessage", "KafkaProducer"},
    "nats": {"Client", "JsClient", "NatsBroker", "NatsMessage", "ObjectStorage"},
    "rabbit": {"Channel", "Connection", "RabbitBroker", "RabbitMessage", "RabbitProducer"},
    "redis": {"Redis", "RedisBroker", "RedisMessage"},
}


@pytest.mark.parametrize("pkg", PACKAGES)
def test_annotations_modules_and_test_app_re_export(pkg: str) -> None:
    ann = importlib.import_module(f"faststream_fastapi.{pkg}.annotations")
    assert {"ContextRepo", "Logger", *EXPORTS[pkg]} <= set(ann.__all__)
    for name in ann.__all__:
        assert getattr(ann, name) is not None
    assert importlib.import_module(f"faststream_fastapi.{pkg}").TestApp is TestApp


def test_stream_message_annotation_is_still_a_context_value() -> None:
    # A bare message type is a context value for apply_types as for handlers.
    @apply_types
    def method(message: StreamMessage) -> Any:
        return message

    assert method() is None  # no message outside a handler


async def test_context_cast_in_a_dependency_and_in_annotated_metadata(key: str) -> None:
    broker = RedisBroker()
    context.set_global(key, "5")
    seen: list[Any] = []
    name = f"t-{uuid4().hex}"

    def dep(n: int = Context(key, cast=True)) -> int:
        return n

    @broker.subscriber(name)
    async def handle(
        body: str, d: int = Depends(dep), m: Annotated[int, Context(key, cast=True)] = 0
    ) -> None:
        seen.append((d, m))

    async with TestRedisBroker(broker) as br:
        await br.publish("hi", name)
    assert seen == [(5, 5)]


async def test_rabbit_connection_and_channel_are_none_in_memory() -> None:
    from faststream_fastapi.rabbit import RabbitBroker, TestRabbitBroker
    from faststream_fastapi.rabbit.annotations import Channel, Connection

    broker = RabbitBroker()
    name = f"t-{uuid4().hex}"
    seen: list[Any] = []

    @broker.subscriber(name)
    async def handle(body: str, connection: Connection, channel: Channel) -> None:
        seen.append((connection, channel))

    async with TestRabbitBroker(broker) as br:
        await br.publish("hi", name)
    assert seen == [(None, None)]


async def test_apply_types_keeps_unnamed_keywords_for_the_dependencies() -> None:
    def dep(key: int) -> int:
        return key * 2

    @apply_types
    def func(k: int = Depends(dep)) -> int:
        return k

    assert func(key="21") == 42

    @apply_types
    async def afunc(k: Annotated[int, Depends(dep)], *rest: Any, **extra: Any) -> Any:
        return k, rest, extra

    assert await afunc(key=1) == (2, (), {"key": 1})
    with pytest.raises(TypeError, match="multiple values"):
        func(1, k=2)


async def test_header_takes_faststreams_real_name_first() -> None:
    from faststream_fastapi import Header

    broker = RedisBroker()
    name = f"t-{uuid4().hex}"
    seen: list[Any] = []

    @broker.subscriber(name)
    async def handle(
        body: str, id_: int = Header("id"), missing: str = Header(default="-")
    ) -> None:
        seen.append((id_, missing))

    async with TestRedisBroker(broker) as br:
        await br.publish("", name, headers={"id": "1"})
    assert seen == [(1, "-")]
    with pytest.raises(TypeError, match="cast=False"):
        Header("id", cast=False)
