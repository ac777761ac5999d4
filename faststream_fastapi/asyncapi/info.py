"""The info block of a document, its tags and external docs, read from an app.

Values may be dicts, pydantic models (``Contact``, ``License``, ``Tag``,
``ExternalDocs``, FastAPI's own) or plain objects; URLs are written as
pydantic writes them.
"""

from __future__ import annotations

from typing import Any

from ..core.fastapi_compat import app_keyword


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text or None


def _pick(value: Any, keys: dict[str, tuple[str, ...]]) -> dict[str, Any] | None:
    """``value`` (a dict, a pydantic model or any object) as a dict of ``keys``.

    ``keys`` maps each output key to the names it may go by in the input;
    specification extensions (``x-...`` keys) are kept as they are.
    """
    if value is None:
        return None
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        value = dump(mode="json", exclude_none=True, by_alias=True)
    out: dict[str, Any] = {}
    for key, names in keys.items():
        for name in names:
            item = value.get(name) if isinstance(value, dict) else getattr(value, name, None)
            if item is not None and item != "":
                out[key] = item
                break
    if isinstance(value, dict):
        out.update((k, v) for k, v in value.items() if isinstance(k, str) and k.startswith("x-"))
    return out or None


def _external(value: Any) -> dict[str, Any] | None:
    docs = _pick(value, {"url": ("url",), "description": ("description",)})
    if docs is None or "url" not in docs:
        return None
    docs["url"] = str(docs["url"])
    return docs


def info_of(source: Any) -> dict[str, Any]:
    info: dict[str, Any] = {
        "title": _text(getattr(source, "title", None)) or "AsyncAPI",
        "version": _text(getattr(source, "version", None)) or "0.1.0",
    }
    description = _text(getattr(source, "description", None))
    if description:
        info["description"] = description
    terms = _text(getattr(source, "terms_of_service", None))
    if terms:
        info["termsOfService"] = terms
    contact = _pick(
        getattr(source, "contact", None),
        {"name": ("name",), "url": ("url",), "email": ("email",)},
    )
    if contact:
        info["contact"] = {k: str(v) for k, v in contact.items()}
    license_ = getattr(source, "license", None) or getattr(source, "license_info", None)
    picked = _pick(license_, {"name": ("name",), "url": ("url",)})
    if picked and "name" in picked:
        info["license"] = {k: str(v) for k, v in picked.items()}
    return info


def tags_of(source: Any) -> list[dict[str, Any]]:
    for attr in ("asyncapi_tags", "tags", "openapi_tags"):
        value = getattr(source, attr, None)
        if isinstance(value, list | tuple) and value:
            break
    else:
        return []
    tags = []
    for tag in value:
        if isinstance(tag, str):
            tags.append({"name": tag})
            continue
        picked = _pick(tag, {"name": ("name",), "description": ("description",)})
        if not picked or "name" not in picked:
            continue
        out = {k: str(v) for k, v in picked.items()}
        raw_docs = (
            tag.get("externalDocs") or tag.get("external_docs")
            if isinstance(tag, dict)
            else getattr(tag, "external_docs", None) or getattr(tag, "externalDocs", None)
        )
        docs = _external(raw_docs)
        tag_out: dict[str, Any] = dict(out)
        if docs:
            tag_out["externalDocs"] = docs
        tags.append(tag_out)
    return tags


def external_docs_of(source: Any) -> dict[str, Any] | None:
    for value in (
        getattr(source, "external_docs", None),
        app_keyword(source, "openapi_external_docs"),
    ):
        docs = _external(value)
        if docs:
            return docs
    return None


def identifier_of(source: Any, *, uri: bool = True) -> str | None:
    """The app's ``identifier``; with ``uri``, only one that is a URI (has a scheme)."""
    identifier = getattr(source, "identifier", None)
    if not isinstance(identifier, str) or not identifier:
        return None
    return identifier if ":" in identifier or not uri else None
