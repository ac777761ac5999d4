"""The AsyncAPI document as YAML and as an HTML page."""

from __future__ import annotations

import html
from typing import Any

import yaml


def to_yaml(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def render_html(document: dict[str, Any], *, json_url: str) -> str:
    """A page that loads the document from ``json_url``; every value is escaped."""
    title = html.escape(str(document.get("info", {}).get("title", "AsyncAPI")))
    rows = []
    for name, channel in document.get("channels", {}).items():
        rows.append(
            f"<li><code>{html.escape(str(channel.get('address', name)))}</code> "
            f"{html.escape(str(name))}</li>"
        )
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{title} AsyncAPI</title></head><body>"
        f"<h1>{title}</h1><p>Document: <a href='{html.escape(json_url)}'>"
        f"{html.escape(json_url)}</a></p><ul>{''.join(rows)}</ul></body></html>"
    )
