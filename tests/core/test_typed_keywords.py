"""The static view of each constructor (``<broker>/keywords.py``: the ``TypedDict``s
that a type checker sees under ``TYPE_CHECKING``) names every keyword the runtime
signature takes, so it cannot drift from it when a client library adds keywords.

Runs at the newest and at the lowest supported versions of the client libraries
(an older library has fewer keywords; the static view may name a newer one's).
"""

from __future__ import annotations

import contextlib
import inspect
from typing import Any

import pytest

from faststream_fastapi.confluent import KafkaBroker as ConfluentBroker
from faststream_fastapi.confluent.fastapi import ConfluentRouterKeywords
from faststream_fastapi.confluent.fastapi import KafkaRouter as ConfluentRouter
from faststream_fastapi.confluent.keywords import ConfluentKeywords
from faststream_fastapi.kafka import KafkaBroker
from faststream_fastapi.kafka.fastapi import KafkaRouter, KafkaRouterKeywords
from faststream_fastapi.kafka.keywords import KafkaKeywords
from faststream_fastapi.nats import NatsBroker
from faststream_fastapi.nats.fastapi import NatsRouter, NatsRouterKeywords
from faststream_fastapi.nats.keywords import NatsKeywords
from faststream_fastapi.rabbit import RabbitBroker
from faststream_fastapi.rabbit.fastapi import RabbitRouter, RabbitRouterKeywords
from faststream_fastapi.rabbit.keywords import RabbitKeywords
from faststream_fastapi.redis import RedisBroker
from faststream_fastapi.redis.fastapi import RedisRouter, RedisRouterKeywords
from faststream_fastapi.redis.keywords import RedisKeywords

CASES = [
    (RedisBroker, RedisKeywords, RedisRouter, RedisRouterKeywords),
    (NatsBroker, NatsKeywords, NatsRouter, NatsRouterKeywords),
    (RabbitBroker, RabbitKeywords, RabbitRouter, RabbitRouterKeywords),
    (KafkaBroker, KafkaKeywords, KafkaRouter, KafkaRouterKeywords),
    (ConfluentBroker, ConfluentKeywords, ConfluentRouter, ConfluentRouterKeywords),
]
IDS = ["redis", "nats", "rabbit", "kafka", "confluent"]

#: Keywords the newest releases take and the lowest supported ones do not (or the
#: other way round: aiokafka < 0.11's ``send_backoff_ms``); anything else the static
#: view names must be taken at run time.
NOT_IN_EVERY_RELEASE = {
    # redis-py
    *("socket_read_size", "ssl_password", "ssl_ca_path", "legacy_responses", "driver_info"),
    *("ssl_include_verify_flags", "ssl_exclude_verify_flags", "event_dispatcher"),
    "maint_notifications_config",
    # nats-py
    *("lame_duck_mode_cb", "ws_connection_headers", "skip_subject_validation"),
    "reconnect_to_server_handler",
    # aiokafka
    *("client_rack", "send_backoff_ms"),
    # FastAPI's APIRouter
    *("max_body_size", "form_limits", "strict_content_type"),
}


def _keys(typed: Any) -> set[str]:
    return set(typed.__required_keys__) | set(typed.__optional_keys__)


def _runtime(cls: type[Any]) -> tuple[str, set[str]]:
    """The address's name and the keyword-only names of ``cls``'s runtime signature."""
    parameters = list(inspect.signature(cls).parameters.values())
    (address,) = [p.name for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD]
    return address, {p.name for p in parameters if p.kind is p.KEYWORD_ONLY}


def _static_address(cls: type[Any]) -> str:
    """The address's name in the ``TYPE_CHECKING`` ``__init__``, read from the source."""
    source = inspect.getsource(cls)
    head = source.split("if TYPE_CHECKING:", 1)[1].split("def __init__(", 1)[1]
    return head.split("self,", 1)[1].split(":", 1)[0].strip()


@pytest.mark.parametrize(("broker", "typed", "router", "router_typed"), CASES, ids=IDS)
def test_the_broker_typed_keywords_name_every_runtime_keyword(
    broker: type[Any], typed: Any, router: type[Any], router_typed: Any
) -> None:
    address, names = _runtime(broker)
    assert names - _keys(typed) == set()
    assert address == _static_address(broker)
    assert address not in _keys(typed)
    # and nothing else: no key the installed client refuses, but for a release's own
    if not broker.open_keywords:  # librdkafka's configuration: see the test below
        assert _keys(typed) - names - NOT_IN_EVERY_RELEASE == set()


@pytest.mark.parametrize(("broker", "typed", "router", "router_typed"), CASES, ids=IDS)
def test_the_router_typed_keywords_name_every_runtime_keyword(
    broker: type[Any], typed: Any, router: type[Any], router_typed: Any
) -> None:
    address, names = _runtime(router)
    assert names - _keys(router_typed) == set()
    assert address == _static_address(router)
    if not broker.open_keywords:
        assert _keys(router_typed) - names - NOT_IN_EVERY_RELEASE == set()
    # the router's keywords that are the broker's are typed alike
    for key in _keys(typed) & _keys(router_typed) - {"dependencies"}:
        assert typed.__annotations__[key] == router_typed.__annotations__[key], key


def test_a_wrong_keyword_is_still_refused_at_run_time() -> None:
    # The static view changes nothing at run time: the constructor stays the shared one.
    with pytest.raises(TypeError, match="max_conections"):
        RedisBroker(max_conections=5)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="usr"):
        NatsRouter(usr="svc")  # type: ignore[call-arg]
    assert "__init__" not in vars(RedisBroker) and "__init__" not in vars(NatsRouter)


def test_every_confluent_name_is_librdkafka_configuration() -> None:
    # librdkafka refuses a name it does not know (``TypeError``); a value it refuses
    # (``ValueError`` for the placeholder "1") means it knows the name.
    from faststream_fastapi.confluent import settings

    names = ConfluentKeywords.__optional_keys__ - {"connect_timeout"}
    for name in sorted(names - set(inspect.signature(ConfluentBroker).parameters)):
        with contextlib.suppress(ValueError):
            settings.check("KafkaBroker", {name: "1"})
