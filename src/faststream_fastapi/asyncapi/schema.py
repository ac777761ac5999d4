"""AsyncAPI documents built from a broker's subscribers and publishers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import TypeAdapter, create_model

from ..core.broker import Broker
from ..core.callplan import CallPlan


def _broker_of(target: Any) -> Broker | None:
    if isinstance(target, Broker):
        return target
    broker = getattr(target, "broker", None)
    return broker if isinstance(broker, Broker) else None


def _info(target: Any, app: Any) -> dict[str, Any]:
    source = app if app is not None and hasattr(app, "title") else target
    info: dict[str, Any] = {
        "title": getattr(source, "title", None) or "FastStream",
        "version": getattr(source, "version", None) or "0.1.0",
    }
    description = getattr(source, "description", None)
    if description:
        info["description"] = description
    return info


def _server(broker: Broker) -> dict[str, Any] | None:
    url = getattr(broker, "url", None)
    if isinstance(url, list | tuple):
        url = url[0] if url else None
    if not isinstance(url, str):
        return None
    parts = urlsplit(url if "://" in url else f"tcp://{url}")
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    # Never publish credentials: userinfo and query are dropped.
    return {"host": host, "protocol": parts.scheme or "tcp", "pathname": parts.path or None}


def _payload(plan: CallPlan) -> dict[str, Any]:
    fields = plan.body_fields
    if not fields:
        return {"type": "null"}
    if plan.body.whole is not None:
        info = fields[0].field_info
        return TypeAdapter(info.annotation).json_schema(ref_template="#/components/schemas/{model}")
    model = plan.body.group.model if plan.body.group else None
    if model is None:
        return {"type": "null"}
    return model.model_json_schema(ref_template="#/components/schemas/{model}")


def _headers(plan: CallPlan) -> dict[str, Any] | None:
    if not plan.header_fields:
        return None
    definitions = {
        f.alias.lower(): (f.field_info.annotation, ... if f.field_info.is_required() else None)
        for f in plan.header_fields
    }
    return create_model("Headers", **definitions).model_json_schema()  # type: ignore[call-overload, no-any-return]


def _hoist(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    for key in ("$defs", "definitions"):
        defs = schema.pop(key, None)
        if defs:
            components.update(defs)
    return schema


def get_app_schema(target: Any, version: str = "3.0.0", *, app: Any = None) -> dict[str, Any]:
    """The AsyncAPI document of a broker, router, or app holding a broker."""
    broker = _broker_of(target)
    components: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for sub in broker.subscribers if broker else []:
        key = f"{sub.name}:{sub.plan.name}".replace("/", "_")
        message: dict[str, Any] = {"payload": _hoist(_payload(sub.plan), components)}
        headers = _headers(sub.plan)
        if headers:
            message["headers"] = _hoist(headers, components)
        if sub.description:
            message["description"] = sub.description
        messages[key] = message
        channels[key] = {"address": sub.name, "messages": {key: message}}
        if sub.description:
            channels[key]["description"] = sub.description
        operations[key] = {"action": "receive", "channel": {"$ref": f"#/channels/{key}"}}
    for pub in broker.publishers if broker else []:
        key = f"{pub.name}:Publisher".replace("/", "_")
        message = {"payload": pub.schema or {}}
        channels[key] = {"address": pub.name, "messages": {key: message}}
        operations[key] = {"action": "send", "channel": {"$ref": f"#/channels/{key}"}}
    info = _info(target, app)
    servers = {}
    if broker is not None and (server := _server(broker)) is not None:
        servers["development"] = server
    if version.startswith("2"):
        return _as_v2(info, servers, channels, operations, components)
    doc: dict[str, Any] = {
        "asyncapi": "3.0.0",
        "info": info,
        "defaultContentType": "application/json",
        "servers": {k: {kk: vv for kk, vv in v.items() if vv} for k, v in servers.items()},
        "channels": channels,
        "operations": operations,
        "components": {"schemas": components, "messages": messages},
    }
    return doc


def _as_v2(
    info: dict[str, Any],
    servers: dict[str, Any],
    channels: dict[str, Any],
    operations: dict[str, Any],
    components: dict[str, Any],
) -> dict[str, Any]:
    v2_channels: dict[str, Any] = {}
    for key, channel in channels.items():
        message = next(iter(channel["messages"].values()))
        action = "subscribe" if operations[key]["action"] == "receive" else "publish"
        v2_channels[key] = {action: {"operationId": key, "message": message}}
        if "description" in channel:
            v2_channels[key]["description"] = channel["description"]
    v2_servers = {
        k: {"url": v["host"] + (v.get("pathname") or ""), "protocol": v["protocol"]}
        for k, v in servers.items()
    }
    return {
        "asyncapi": "2.6.0",
        "info": info,
        "defaultContentType": "application/json",
        "servers": v2_servers,
        "channels": v2_channels,
        "components": {"schemas": components},
    }


def strip_credentials(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))
