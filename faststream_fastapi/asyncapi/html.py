"""The docs page: HTML that loads the AsyncAPI viewer, its assets and headers.

The page inlines nothing: the document is fetched from the ``.json`` URL by
``static/page.js``, and the viewer (``@asyncapi/react-component``'s standalone
bundle, Apache-2.0, vendored in ``static/asyncapi-react/`` with its notices) is
served from the package, so the page works offline. The
Content-Security-Policy therefore allows scripts from the page's origin only
(plus ``'unsafe-eval'``, which the bundle's schema validator needs) and no
inline script or event handler: a hostile title or description in the
document is shown as text, and could not run even if it reached the DOM.
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

#: The vendored ``@asyncapi/react-component`` release.
UI_VERSION = "3.2.1"
#: Where ``cdn=True`` loads the viewer from instead of the package.
DEFAULT_CDN = f"https://unpkg.com/@asyncapi/react-component@{UI_VERSION}"

#: Asset URL names, the package files behind them and their media types.
ASSETS: dict[str, tuple[str, str]] = {
    "asyncapi-react.js": ("asyncapi-react/index.js", "text/javascript; charset=utf-8"),
    "asyncapi-react.css": ("asyncapi-react/default.min.css", "text/css; charset=utf-8"),
    "page.js": ("page.js", "text/javascript; charset=utf-8"),
    "page.css": ("page.css", "text/css; charset=utf-8"),
}

Cdn = bool | str | None


@functools.cache
def asset(name: str) -> tuple[bytes, str] | None:
    """The bytes and media type of a static asset, or ``None`` for an unknown name."""
    entry = ASSETS.get(name)
    if entry is None:
        return None
    path, media_type = entry
    data = resources.files(__package__).joinpath("static", *path.split("/")).read_bytes()
    return data, media_type


def cdn_base(cdn: Cdn) -> str | None:
    """The CDN base URL ``cdn`` asks for: ``True`` means :data:`DEFAULT_CDN`."""
    if cdn is True:
        return DEFAULT_CDN
    if isinstance(cdn, str) and cdn:
        parts = urlsplit(cdn)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise ValueError(f"cdn must be an http(s) URL, not {cdn!r}")
        return cdn.rstrip("/")
    return None


@dataclass(frozen=True)
class DocsPaths:
    """Where the page, the document and the assets live, for a docs URL.

    For ``/asyncapi``: the page at ``/asyncapi``, ``/asyncapi.json``,
    ``/asyncapi.yaml`` and ``/asyncapi/static/<asset>``. For ``/`` the page is
    ``/`` and the rest is named as for ``/asyncapi``. The page links them
    relatively, so it also works behind a proxy prefix or ``root_path``.
    """

    page: str
    json: str
    yaml: str
    static: str
    json_link: str
    static_link: str

    @classmethod
    def for_url(cls, url: str) -> DocsPaths:
        page = "/" + url.strip("/")
        stem = "/asyncapi" if page == "/" else page
        name = stem.rsplit("/", 1)[1]
        return cls(
            page=page,
            json=stem + ".json",
            yaml=stem + ".yaml",
            static=stem + "/static/",
            json_link=name + ".json",
            static_link=name + "/static/",
        )


def content_security_policy(cdn: Cdn = None) -> str:
    base = cdn_base(cdn)
    origin = ""
    if base is not None:
        parts = urlsplit(base)
        origin = f" {parts.scheme}://{parts.netloc}"
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src 'self' 'unsafe-eval'{origin}",
            f"style-src 'self'{origin}",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'self'",
        )
    )


def security_headers(cdn: Cdn = None) -> dict[str, str]:
    """Headers every docs response carries."""
    return {
        "Content-Security-Policy": content_security_policy(cdn),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }


def render_html(
    document: dict[str, Any],
    *,
    json_url: str,
    static_url: str | None = None,
    cdn: Cdn = None,
    sidebar: bool = True,
) -> str:
    """The docs page for ``document``, which it fetches from ``json_url``.

    ``static_url`` is where the assets are (``<json_url without .json>/static/``
    by default: ``docs.json`` -> ``docs/static/``). Only the title comes from
    the document; it and every URL are escaped.
    """
    if static_url is None:
        stem = json_url[: -len(".json")] if json_url.endswith(".json") else json_url
        static_url = stem + "/static/"
    info = document.get("info")
    title = info.get("title") if isinstance(info, dict) else None
    esc = functools.partial(html.escape, quote=True)
    base = cdn_base(cdn)
    version = f"?v={UI_VERSION}"
    if base is None:
        ui_js = static_url + "asyncapi-react.js" + version
        ui_css = static_url + "asyncapi-react.css" + version
    else:
        ui_js = base + "/browser/standalone/index.js"
        ui_css = base + "/styles/default.min.css"
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n'
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{esc(str(title or 'AsyncAPI'))} - AsyncAPI</title>\n"
        '<link rel="icon" href="data:,">\n'
        f'<link rel="stylesheet" href="{esc(ui_css)}">\n'
        f'<link rel="stylesheet" href="{esc(static_url + "page.css" + version)}">\n'
        "</head>\n<body>\n"
        f'<div id="asyncapi" data-schema-url="{esc(json_url)}" '
        f'data-sidebar="{"true" if sidebar else "false"}"></div>\n'
        f'<noscript>The AsyncAPI document is at <a href="{esc(json_url)}">'
        f"{esc(json_url)}</a>.</noscript>\n"
        f'<script src="{esc(ui_js)}"></script>\n'
        f'<script src="{esc(static_url + "page.js" + version)}"></script>\n'
        "</body>\n</html>\n"
    )
