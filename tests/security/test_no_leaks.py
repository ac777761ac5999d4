"""Credentials never leak: not into logs, exceptions, AsyncAPI documents, probe answers
or reprs, for each of the five brokers and each way a credential is given today.

``CASES`` is the list to extend (e.g. with ``security=`` objects): a case names a broker
kind, the URL and options holding the secret, the strings that must never show, and
configurations that fail to connect (``{port}`` is the shared server, ``{dead}`` a port
nobody listens on, ``{nats_auth}`` a private NATS server that checks passwords). Every
test greps everything it saw for every secret of its case.

The shared servers check no NATS credentials (any user, password or token connects) and
no Redis password of the default user; RabbitMQ accepts only guest/guest, so its
working case guards the URL form ``:guest@`` and its marker password goes to the
failing connects, where the server refuses it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import subprocess
import time
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import tls_brokers
from fastapi import FastAPI
from pydantic import BaseModel

import faststream_fastapi.confluent
import faststream_fastapi.confluent.fastapi
import faststream_fastapi.kafka
import faststream_fastapi.kafka.fastapi
import faststream_fastapi.nats
import faststream_fastapi.nats.fastapi
import faststream_fastapi.rabbit
import faststream_fastapi.rabbit.fastapi
import faststream_fastapi.redis
import faststream_fastapi.redis.fastapi
from faststream_fastapi import FastStream
from faststream_fastapi.asgi import AsgiFastStream, make_ping_asgi, make_ready_asgi
from faststream_fastapi.asgi.factories import make_asyncapi_asgi
from faststream_fastapi.asyncapi import get_app_schema, render_html, to_json, to_yaml
from faststream_fastapi.core.broker import Broker
from faststream_fastapi.core.errors import BrokerConnectionError, RedactedError
from servers import free_port, redis_argv
from support import StubTransport, TcpRelay, asgi_client

WAIT = 20.0
PROBE = 1.5  # seconds a probe may take
#: Loggers whose every record (DEBUG and up) is searched for secrets.
LOGGERS = ("faststream_fastapi", "aiokafka", "aio_pika", "aiormq", "nats", "redis", "asyncio")

REDIS, NATS, RABBIT, KAFKA = 6379, 4222, 5672, 9092


@dataclass(frozen=True)
class Case:
    """One broker kind with a secret given one way; ``failing`` configurations refuse it."""

    id: str
    kind: str  # redis | nats | rabbit | kafka | confluent
    secrets: tuple[str, ...]
    url: str
    port: int
    options: dict[str, Any] = field(default_factory=dict)
    failing: tuple[tuple[str, dict[str, Any]], ...] = ()
    #: Whether a TCP relay can take the broker down (Kafka clients reconnect to the
    #: advertised address, not the relay: that case closes the broker instead).
    relay: bool = True


S_REDIS_URL = "Zq8s3cr3t-redis-url"
S_REDIS_KW = "Zq8s3cr3t-redis-kw"
S_NATS_URL = "Zq8s3cr3t-nats-url"
S_NATS_TOKEN = "Zq8s3cr3t-nats-token"
S_AMQP = "Zq8s3cr3t-amqp"
S_KAFKA = "Zq8s3cr3t-aiokafka"
S_CONFLUENT = "Zq8s3cr3t-confluent"

_AIOKAFKA_SASL = {"sasl_plain_username": "u", "sasl_plain_password": S_KAFKA}
_CONFLUENT_SASL = {"sasl.username": "u", "sasl.password": S_CONFLUENT}

CASES = [
    Case(
        "redis-url",
        "redis",
        (S_REDIS_URL,),
        f"redis://:{S_REDIS_URL}@127.0.0.1:{{port}}",
        REDIS,
        failing=(
            (f"redis://alice:{S_REDIS_URL}@127.0.0.1:{{port}}", {}),  # no such user/password
            (f"redis://:{S_REDIS_URL}@127.0.0.1:{{dead}}", {}),
        ),
    ),
    Case(
        "redis-password",
        "redis",
        (S_REDIS_KW,),
        "redis://127.0.0.1:{port}",
        REDIS,
        {"password": S_REDIS_KW},
        failing=(
            ("redis://127.0.0.1:{port}", {"username": "alice", "password": S_REDIS_KW}),
            ("redis://127.0.0.1:{dead}", {"password": S_REDIS_KW}),
        ),
    ),
    Case(
        "nats-url",
        "nats",
        (S_NATS_URL,),
        f"nats://u:{S_NATS_URL}@127.0.0.1:{{port}}",
        NATS,
        failing=(
            (f"nats://u:{S_NATS_URL}@127.0.0.1:{{nats_auth}}", {"connect_timeout": 1}),
            (f"nats://u:{S_NATS_URL}@127.0.0.1:{{dead}}", {"connect_timeout": 1}),
        ),
    ),
    Case(
        "nats-token",
        "nats",
        (S_NATS_TOKEN,),
        "nats://127.0.0.1:{port}",
        NATS,
        {"token": S_NATS_TOKEN},
        failing=(
            ("nats://127.0.0.1:{nats_auth}", {"token": S_NATS_TOKEN, "connect_timeout": 1}),
            (f"nats://{S_NATS_TOKEN}@127.0.0.1:{{dead}}", {"connect_timeout": 1}),
        ),
    ),
    Case(
        "rabbit-url",
        "rabbit",
        (S_AMQP, ":guest@"),
        "amqp://guest:guest@127.0.0.1:{port}/",
        RABBIT,
        failing=(
            (f"amqp://guest:{S_AMQP}@127.0.0.1:{{port}}/", {}),  # refused: wrong password
            (f"amqp://guest:{S_AMQP}@127.0.0.1:{{dead}}/", {}),
        ),
    ),
    Case(
        "kafka-sasl",
        "kafka",
        (S_KAFKA,),
        "127.0.0.1:{port}",
        KAFKA,
        dict(_AIOKAFKA_SASL),  # ignored by a PLAINTEXT connection, but held all along
        failing=(
            (
                "127.0.0.1:{port}",  # the server speaks no SASL: the handshake fails
                {**_AIOKAFKA_SASL, "security_protocol": "SASL_PLAINTEXT", "connect_timeout": 5},
            ),
            ("127.0.0.1:{dead}", {**_AIOKAFKA_SASL, "connect_timeout": 1}),
        ),
        relay=False,
    ),
    Case(
        "confluent-sasl",
        "confluent",
        (S_CONFLUENT,),
        "127.0.0.1:{port}",
        KAFKA,
        dict(_CONFLUENT_SASL),
        failing=(
            (
                "127.0.0.1:{port}",
                {
                    **_CONFLUENT_SASL,
                    "security.protocol": "SASL_PLAINTEXT",
                    "sasl.mechanism": "PLAIN",
                    "connect_timeout": 3,
                },
            ),
            ("127.0.0.1:{dead}", {**_CONFLUENT_SASL, "connect_timeout": 1}),
        ),
        relay=False,
    ),
]

_MARKS = {
    "redis": pytest.mark.redis,
    "nats": pytest.mark.nats,
    "rabbit": pytest.mark.rabbit,
    "kafka": pytest.mark.kafka,
    "confluent": pytest.mark.kafka,
}
_PACKAGES: dict[str, tuple[ModuleType, ModuleType, str]] = {
    "redis": (faststream_fastapi.redis, faststream_fastapi.redis.fastapi, "Redis"),
    "nats": (faststream_fastapi.nats, faststream_fastapi.nats.fastapi, "Nats"),
    "rabbit": (faststream_fastapi.rabbit, faststream_fastapi.rabbit.fastapi, "Rabbit"),
    "kafka": (faststream_fastapi.kafka, faststream_fastapi.kafka.fastapi, "Kafka"),
    "confluent": (faststream_fastapi.confluent, faststream_fastapi.confluent.fastapi, "Kafka"),
}

cases = pytest.mark.parametrize(
    "case", [pytest.param(c, id=c.id, marks=_MARKS[c.kind]) for c in CASES]
)


class Item(BaseModel):
    x: int


@dataclass
class Ports:
    dead: int
    nats_auth: int
    #: A private server asking for the case's own secret (Redis), else 0: the shared one.
    own: int = 0


def make_broker(case: Case, url: str, options: dict[str, Any]) -> Broker:
    pkg, _, prefix = _PACKAGES[case.kind]
    broker: Broker = getattr(pkg, f"{prefix}Broker")(url, **options)
    return broker


def plain_router(case: Case) -> Any:
    pkg, _, prefix = _PACKAGES[case.kind]
    return getattr(pkg, f"{prefix}Router")()


def stream_router(case: Case, url: str, **kwargs: Any) -> Any:
    _, fastapi_pkg, prefix = _PACKAGES[case.kind]
    return getattr(fastapi_pkg, f"{prefix}Router")(url, **case.options, **kwargs)


# -- the grep -----------------------------------------------------------------------


def find_leaks(texts: Iterable[str], secrets: Iterable[str]) -> list[str]:
    """The texts showing any secret (each cut around it, for the failure message)."""
    secrets = tuple(secrets)
    found = []
    for text in texts:
        for secret in secrets:
            at = text.find(secret)
            if at >= 0:
                found.append(text[max(0, at - 80) : at + 80])
    return found


def assert_clean(texts: Iterable[str], case: Case, what: str) -> None:
    leaks = find_leaks(texts, case.secrets)
    assert not leaks, f"{what} shows a secret: {leaks[:3]}"


def exception_texts(exc: BaseException) -> list[str]:
    """The formatted traceback, and str/repr/args of each exception in the chain."""
    texts = ["".join(traceback.format_exception(exc))]
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack and len(seen) < 50:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        texts += [str(node), repr(node), repr(node.args)]
        stack += [e for e in (node.__cause__, node.__context__) if e is not None]
    return texts


def warning_texts(recorded: pytest.WarningsRecorder) -> list[str]:
    """Warnings are shown too (e.g. credentials about to travel without TLS)."""
    return [f"{w.category.__name__}: {w.message}" for w in recorded]


class Capture(logging.Handler):
    """Every record's message, arguments and formatted exception, as it is emitted."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []
        self.formatter = logging.Formatter()

    def emit(self, record: logging.LogRecord) -> None:
        parts = [record.name, str(record.msg), repr(record.args)]
        with contextlib.suppress(Exception):  # a bad format string is not our concern
            parts.append(record.getMessage())
        if record.exc_info:
            parts.append(self.formatter.formatException(record.exc_info))
        if record.stack_info:
            parts.append(record.stack_info)
        self.texts.append(" | ".join(parts))

    def saw(self, text: str) -> bool:
        return any(text in t for t in self.texts)


@pytest.fixture
def logs() -> Iterator[Capture]:
    """All records of the library's and the client libraries' loggers, at DEBUG."""
    capture = Capture()
    root = logging.getLogger()
    root.addHandler(capture)
    saved = {name: logging.getLogger(name).level for name in LOGGERS}
    for name in LOGGERS:
        logger = logging.getLogger(name)
        assert logger.propagate, f"logger {name} does not propagate: the capture misses it"
        logger.setLevel(logging.DEBUG)
    try:
        yield capture
    finally:
        root.removeHandler(capture)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


@pytest.fixture(scope="module")
def nats_auth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A private NATS server that accepts only user ``u`` with another password."""
    cwd = tmp_path_factory.mktemp("nats")
    with tls_brokers.nats(cwd, "--user", "u", "--pass", "the-right-one", tls=None) as port:
        yield port


@pytest.fixture
def ports(
    case: Case, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Ports]:
    needs_nats = any("{nats_auth}" in url for url, _ in case.failing)
    auth = request.getfixturevalue("nats_auth") if needs_nats else 0
    if case.kind != "redis":
        yield Ports(dead=free_port(), nats_auth=auth)
        return
    # The shared Redis asks for no password, and only some redis-py versions ignore
    # one given anyway: the case's secret is a private server's real password.
    port = free_port()
    argv = redis_argv(port, tmp_path_factory.mktemp("redis"), password=case.secrets[0])
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _until_listening(port)
        yield Ports(dead=free_port(), nats_auth=auth, own=port)
    finally:
        proc.terminate()
        proc.wait(10)


def _until_listening(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _target(case: Case, ports: Ports) -> int:
    return ports.own or case.port


def _fill(template: str, case: Case, ports: Ports, port: int | None = None) -> str:
    port = port or _target(case, ports)
    return template.format(port=port, dead=ports.dead, nats_auth=ports.nats_auth)


# -- connect, publish, consume, errors, close: logs, exceptions, reprs ----------------


@cases
async def test_lifecycle_logs_and_errors_show_no_secret(
    case: Case, ports: Ports, logs: Capture, recwarn: pytest.WarningsRecorder, name: str
) -> None:
    broker = make_broker(case, _fill(case.url, case, ports), case.options)
    got: asyncio.Queue[int] = asyncio.Queue()

    @broker.subscriber(name)  # type: ignore[attr-defined]
    async def handler(item: Item) -> None:
        if item.x < 0:
            raise RuntimeError("handler failed on purpose")
        await got.put(item.x)

    async with broker:
        await broker.start()
        send = broker.publish  # type: ignore[attr-defined]
        await send(Item(x=-1), name)  # a handler error
        await send(b'{"x": ', name, headers={"content-type": "application/json"})  # malformed
        await send(Item(x=1), name)
        assert await asyncio.wait_for(got.get(), WAIT) == 1
        deadline = time.monotonic() + WAIT
        while not (logs.saw("handler failed on purpose") and logs.saw("rejected a message")):
            assert time.monotonic() < deadline, "the handler error or bad message was not logged"
            await asyncio.sleep(0.05)
        assert_clean(_reprs(broker), case, "repr/str while connected")

    # Each failing connect waits out its timeout: all of them at once.
    failing = [make_broker(case, _fill(url, case, ports), opts) for url, opts in case.failing]
    url, options = case.failing[0]
    app = AsgiFastStream(make_broker(case, _fill(url, case, ports), options))
    *errors, sent = await asyncio.gather(
        *(_connect_error(broker) for broker in failing), _asgi_startup(app)
    )
    for n, (broker, error) in enumerate(zip(failing, errors, strict=True)):
        assert isinstance(error, BrokerConnectionError), f"failing connect #{n}: {error!r}"
        assert_clean(exception_texts(error), case, f"the error of failing connect #{n}")
        assert_clean(_reprs(broker), case, "repr/str of a broker that failed")
    # The app's lifespan reports the failure to the ASGI server, which shows it.
    assert sent["type"] == "lifespan.startup.failed"
    assert_clean([str(sent)], case, "lifespan.startup.failed")
    assert logs.saw("startup failed")
    assert_clean(logs.texts, case, "the logs")
    assert_clean(warning_texts(recwarn), case, "a warning")


async def _connect_error(broker: Broker) -> BaseException | None:
    """What ``connect`` raised (``None`` if it connected)."""
    try:
        await asyncio.wait_for(broker.connect(), WAIT)
    except Exception as exc:
        return exc
    await broker.close()
    return None


async def _asgi_startup(app: AsgiFastStream) -> dict[str, Any]:
    """Run the ASGI lifespan of ``app`` up to its answer to ``lifespan.startup``."""
    events = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return events.pop(0)

    async def send(message: Any) -> None:
        sent.append(message)

    await asyncio.wait_for(app({"type": "lifespan"}, receive, send), WAIT)
    return sent[0]


def _reprs(broker: Broker) -> list[str]:
    transport = broker._transport
    return [repr(broker), str(broker), repr(transport), str(transport)]


# -- AsyncAPI documents and reprs: no broker I/O -------------------------------------


@cases
def test_asyncapi_documents_and_reprs_show_no_secret(case: Case, ports: Ports) -> None:
    broker = make_broker(case, _fill(case.url, case, ports), case.options)
    nested = plain_router(case)

    @broker.subscriber("orders")  # type: ignore[attr-defined]
    @broker.publisher("shipped")  # type: ignore[attr-defined]
    async def ship(item: Item) -> Item:
        return item

    @nested.subscriber("audit")
    async def audit(item: Item) -> None: ...

    broker.include_router(nested)
    # Not vacuous: the transport does hold the secret the texts below must not show.
    assert find_leaks([str(vars(broker._transport))], case.secrets)
    texts: list[str] = []
    for target in (broker, FastStream(broker), AsgiFastStream(broker, asyncapi_path="/docs")):
        for version in ("3.0.0", "2.6.0"):
            document = get_app_schema(target, version)
            html = render_html(document, json_url="/docs.json")
            texts += [to_json(document), to_yaml(document), html]
    assert '"servers"' in texts[0]  # the server entry is there, without credentials
    router = stream_router(case, _fill(case.url, case, ports))
    texts += [repr(router), str(router), repr(router.broker), repr(router.broker._transport)]
    texts += [repr(nested), str(nested), repr(make_asyncapi_asgi(broker))]
    texts += _reprs(broker) + [repr(s) for s in broker.subscribers + broker.publishers]
    assert_clean(texts, case, "the AsyncAPI documents or a repr")


# -- health probes and docs routes, healthy and down -----------------------------------


@cases
async def test_probe_and_docs_answers_show_no_secret(
    case: Case, ports: Ports, logs: Capture, recwarn: pytest.WarningsRecorder, name: str
) -> None:
    relay = TcpRelay(_target(case, ports))
    port = await relay.start() if case.relay else _target(case, ports)
    router = stream_router(
        # Closing during an outage waits for the consumers' graceful stop: keep it short.
        case,
        _fill(case.url, case, ports, port),
        asyncapi_version="2.6.0",
        graceful_timeout=1.0,
    )
    router.add_ready_route("/ready", timeout=PROBE)

    @router.subscriber(name)
    async def handler(item: Item) -> None: ...

    app = FastAPI()
    app.include_router(router)
    broker = router.broker
    asgi = AsgiFastStream(
        broker,
        asgi_routes=[
            ("/ping", make_ping_asgi(broker, timeout=PROBE)),
            ("/ready", make_ready_asgi(broker, timeout=PROBE)),
        ],
        asyncapi_path="/docs",
    )
    seen: list[str] = []

    async def fetch(client: httpx.AsyncClient, path: str) -> int:
        reply = await client.get(path)
        seen.append(f"{path} {reply.status_code} {reply.headers.multi_items()} {reply.text}")
        return reply.status_code

    async def until(client: httpx.AsyncClient, path: str, status: int) -> None:
        """Ask again (bounded) until ``path`` answers ``status``: a loaded machine may
        miss a probe's timeout, and an outage takes a moment to notice."""
        deadline = time.monotonic() + WAIT
        while (got := await fetch(client, path)) != status:
            assert time.monotonic() < deadline, f"{path} answers {got}, not {status}"
            await asyncio.sleep(0.1)

    try:
        async with (
            router.lifespan_context(app),
            asgi_client(app) as web,
            asgi_client(asgi) as plain,
        ):
            await until(web, "/ready", 204)
            await until(plain, "/ping", 204)
            await until(plain, "/ready", 204)
            for path in ("/asyncapi", "/asyncapi.json", "/asyncapi.yaml"):
                assert await fetch(web, path) == 200
            for path in ("/docs", "/docs.json", "/docs.yaml"):
                assert await fetch(plain, path) == 200
            if case.relay:
                await relay.close()  # the connection drops; the client tries to reconnect
            else:
                await broker.close()
            await until(web, "/ready", 503)
            await until(plain, "/ping", 500)
            await until(plain, "/ready", 503)
    finally:
        await relay.close()
    assert_clean(seen, case, "a probe or docs answer")
    assert_clean(logs.texts, case, "the logs")
    assert_clean(warning_texts(recwarn), case, "a warning")


# -- the redaction itself, where a client library quotes what it was given ------------


class QuotingTransport(StubTransport):
    """Fails to connect with an error quoting its URL and options, as some clients do."""

    def __init__(self, url: str, **options: Any) -> None:
        self.url = url
        self.options = options

    async def connect(self) -> None:
        try:
            raise OSError(f"socket to {self.url} refused")
        except OSError as exc:
            raise RuntimeError(f"connect({self.url!r}, **{self.options!r}) failed") from exc


@pytest.mark.parametrize(
    ("url", "options", "secret"),
    [
        ("nats://u:pa%24%24word@db-1:4222", {}, "pa$$word"),  # percent-encoded in the URL
        ("nats://tok3n-only@db-1:4222", {}, "tok3n-only"),  # a lone userinfo is a token
        ("redis://db-1:6379/0?password=qu3ry-secret&db=0", {}, "qu3ry-secret"),
        ("db-1:9092", {"sasl_plain_password": "kw-s3cret"}, "kw-s3cret"),
        ("db-1:9092", {"sasl.password": b"bytes-s3cret"}, "bytes-s3cret"),
        ("amqp://guest:guest@db-1,amqp://other:s3cond@db-2", {}, "s3cond"),
    ],
)
async def test_a_client_error_quoting_the_secret_is_replaced(
    url: str, options: dict[str, Any], secret: str
) -> None:
    broker = Broker(QuotingTransport(url, **options))
    with pytest.raises(BrokerConnectionError) as info:
        await broker.connect()
    error = info.value
    texts = exception_texts(error)
    assert not find_leaks(texts, [secret, quote(secret, safe="")]), texts
    assert "***" in str(error) and "db-1" in str(error)  # still says what failed, and where
    assert error.__context__ is None  # the original is not reachable either
    stand_in = error.__cause__
    assert isinstance(stand_in, RedactedError)
    assert str(stand_in).startswith("builtins.RuntimeError: connect(")
    assert isinstance(stand_in.__cause__, RedactedError)
    assert str(stand_in.__cause__).startswith("builtins.OSError: socket to ")
    # The traceback still leads to the line that failed.
    assert "QuotingTransport" in texts[0] or "raise RuntimeError" in texts[0]


class RefusedTransport(QuotingTransport):
    async def connect(self) -> None:
        raise ConnectionRefusedError("refused")


async def test_a_client_error_without_the_secret_is_kept_as_it_is() -> None:
    transport = RefusedTransport("nats://db-1:4222", token="n0t-in-the-error")
    with pytest.raises(BrokerConnectionError) as info:
        await Broker(transport).connect()
    # The client's own error, for ``except`` clauses and ``isinstance`` checks.
    assert type(info.value.__cause__) is ConnectionRefusedError
