"""The docs over HTTP: StreamRouter routes, the ASGI docs app and ``serve_docs``."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import textwrap
import time
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
import yaml
from fastapi import Depends, FastAPI, Header, HTTPException
from fastapi.testclient import TestClient
from pydantic import BaseModel

from faststream_fastapi.asyncapi import (
    DEFAULT_CDN,
    AsyncAPIDocs,
    get_app_schema,
    read_document,
    render_html,
    to_yaml,
)
from faststream_fastapi.redis.fastapi import RedisRouter

HOSTILE = (
    "</script><script>document.title='PWNED'</script>"
    "<img src=x onerror=\"document.body.dataset.pwned='1'\">\"'&"
)
STATIC = resources.files("faststream_fastapi.asyncapi") / "static"


class Order(BaseModel):
    id: int


def make_app(**router_kwargs: Any) -> tuple[FastAPI, RedisRouter]:
    router = RedisRouter("redis://localhost:6379", **router_kwargs)

    @router.subscriber("orders")
    async def handle(order: Order) -> None:
        """Take an order."""

    app = FastAPI(title=HOSTILE, description=HOSTILE)
    app.include_router(router)
    return app, router


def csp(response: httpx.Response) -> dict[str, str]:
    header = response.headers["content-security-policy"]
    return {
        d.split(" ", 1)[0]: d.split(" ", 1)[1] if " " in d else ""
        for d in (p.strip() for p in header.split(";"))
    }


def test_three_routes_with_their_media_types() -> None:
    client = TestClient(make_app()[0])
    page = client.get("/asyncapi")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    as_json = client.get("/asyncapi.json")
    assert as_json.headers["content-type"] == "application/json"
    assert as_json.json()["asyncapi"] == "3.0.0"
    assert as_json.json()["channels"]["orders_handle"]["address"] == "orders"
    as_yaml = client.get("/asyncapi.yaml")
    assert as_yaml.headers["content-type"].split(";")[0] == "application/yaml"
    assert yaml.safe_load(as_yaml.text) == as_json.json()


def test_security_headers_on_every_response() -> None:
    client = TestClient(make_app()[0])
    for path in (
        "/asyncapi",
        "/asyncapi.json",
        "/asyncapi.yaml",
        "/asyncapi/static/page.js",
        "/asyncapi/static/missing.js",
    ):
        response = client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff", path
        policy = csp(response)
        assert policy["default-src"] == "'none'"
        assert policy["script-src"] == "'self' 'unsafe-eval'"
        assert "unsafe-inline" not in response.headers["content-security-policy"]
        assert policy["connect-src"] == "'self'"
        assert policy["base-uri"] == "'none'"


def test_page_escapes_and_inlines_nothing() -> None:
    client = TestClient(make_app()[0])
    html = client.get("/asyncapi").text
    assert "</script><script>" not in html
    assert "<img" not in html
    assert 'onerror="' not in html
    assert "&lt;/script&gt;&lt;script&gt;document.title=&#x27;PWNED&#x27;" in html
    # Every script is an external file of our origin; no inline code or handlers.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert [body for _, body in scripts] == ["", ""]
    assert all('src="asyncapi/static/' in attrs for attrs, _ in scripts)
    tags = _tags(html)
    assert {t for t, _ in tags} == {
        "html",
        "head",
        "meta",
        "title",
        "link",
        "body",
        "div",
        "noscript",
        "a",
        "script",
    }
    assert not [a for _, attrs in tags for a in attrs if a.startswith("on") or a == "style"]
    # The document is fetched, not inlined.
    assert 'data-schema-url="asyncapi.json"' in html
    assert "orders" not in html


def _tags(html: str) -> list[tuple[str, list[str]]]:
    """The elements of ``html`` with their attribute names, as a browser parses them."""
    found: list[tuple[str, list[str]]] = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, [name for name, _ in attrs]))

    Parser().feed(html)
    return found


def test_static_assets_are_the_vendored_files() -> None:
    client = TestClient(make_app()[0])
    js = client.get("/asyncapi/static/asyncapi-react.js")
    assert js.status_code == 200
    assert js.headers["content-type"] == "text/javascript; charset=utf-8"
    assert js.content == (STATIC / "asyncapi-react" / "index.js").read_bytes()
    assert b"AsyncApiStandalone" in js.content
    css = client.get("/asyncapi/static/asyncapi-react.css")
    assert css.headers["content-type"] == "text/css; charset=utf-8"
    assert css.content == (STATIC / "asyncapi-react" / "default.min.css").read_bytes()
    page_js = client.get("/asyncapi/static/page.js")
    assert b"AsyncApiStandalone.render" in page_js.content
    for missing in ("/asyncapi/static/index.js", "/asyncapi/static/..%2F__init__.py"):
        assert client.get(missing).status_code == 404


def test_license_notices_ship_with_the_bundle() -> None:
    folder = STATIC / "asyncapi-react"
    assert "Apache License" in (folder / "LICENSE").read_text()
    assert "@asyncapi/react-component" in (folder / "NOTICE").read_text()
    assert (folder / "index.js.LICENSE.txt").is_file()


def test_router_dependencies_protect_the_docs() -> None:
    def key(x_key: Annotated[str | None, Header()] = None) -> None:
        if x_key != "open-sesame":
            raise HTTPException(status_code=401)

    app, _ = make_app(dependencies=[Depends(key)])
    client = TestClient(app)
    for path in ("/asyncapi", "/asyncapi.json", "/asyncapi.yaml", "/asyncapi/static/page.js"):
        assert client.get(path).status_code == 401, path
        assert client.get(path, headers={"X-Key": "open-sesame"}).status_code == 200, path


def test_schema_url_none_turns_the_docs_off() -> None:
    client = TestClient(make_app(schema_url=None)[0])
    for path in ("/asyncapi", "/asyncapi.json", "/asyncapi.yaml", "/asyncapi/static/page.js"):
        assert client.get(path).status_code == 404


@pytest.mark.parametrize("include", [True, False])
def test_include_in_schema(include: bool) -> None:
    client = TestClient(make_app(include_in_schema=include)[0])
    paths = set(client.get("/openapi.json").json()["paths"])
    docs = {"/asyncapi", "/asyncapi.json", "/asyncapi.yaml"}
    assert (docs <= paths) is include
    assert not any("static" in p for p in paths)
    # As in FastStream 0.5: a router kept out of the schema serves no docs routes.
    assert client.get("/asyncapi.json").status_code == (200 if include else 404)


def test_asyncapi_version_and_custom_url() -> None:
    app, _ = make_app(schema_url="/docs/events", asyncapi_version="2.6.0", prefix="/api")
    client = TestClient(app)
    doc = client.get("/api/docs/events.json").json()
    assert doc["asyncapi"] == "2.6.0"
    assert "orders:Handle" in doc["channels"]
    assert yaml.safe_load(client.get("/api/docs/events.yaml").text)["asyncapi"] == "2.6.0"
    html = client.get("/api/docs/events").text
    # Links are relative to the page, so they survive prefixes and proxies.
    assert 'data-schema-url="events.json"' in html
    assert 'src="events/static/page.js' in html
    assert client.get("/api/docs/events/static/page.js").status_code == 200


def test_docs_reflect_subscribers_added_after_the_router() -> None:
    app, router = make_app()

    @router.subscriber("late")
    async def late(x: int) -> None: ...

    doc = TestClient(app).get("/asyncapi.json").json()
    assert "late_late" in doc["channels"]


def test_render_html_with_cdn() -> None:
    html = render_html({"info": {"title": "T"}}, json_url="a.json", cdn=True)
    assert f'src="{DEFAULT_CDN}/browser/standalone/index.js"' in html
    assert f'href="{DEFAULT_CDN}/styles/default.min.css"' in html
    # The bootstrap script is still ours.
    assert 'src="a/static/page.js' in html
    with pytest.raises(ValueError, match="http"):
        render_html({}, json_url="a.json", cdn="javascript:alert(1)")


def test_docs_app_with_cdn_allows_only_that_origin() -> None:
    docs = AsyncAPIDocs({"asyncapi": "3.0.0", "info": {"title": "T", "version": "1"}}, cdn=True)
    response = TestClient(docs).get("/asyncapi")
    policy = csp(response)
    assert policy["script-src"] == "'self' 'unsafe-eval' https://unpkg.com"
    assert policy["style-src"] == "'self' https://unpkg.com"
    assert "unpkg.com/@asyncapi/react-component@" in response.text


def test_docs_app_paths_methods_and_redirect() -> None:
    calls = []

    def document() -> dict[str, Any]:
        calls.append(1)
        return {"asyncapi": "3.0.0", "info": {"title": "T", "version": "1"}}

    docs = AsyncAPIDocs(document, path="/asyncapi")
    client = TestClient(docs)
    assert client.get("/asyncapi.json").json()["info"]["title"] == "T"
    assert client.get("/asyncapi.yaml").status_code == 200
    assert client.get("/asyncapi").status_code == 200
    assert len(calls) == 3  # the document is built per request
    assert client.head("/asyncapi/static/page.js").status_code == 200
    assert client.post("/asyncapi.json").status_code == 405
    assert client.get("/elsewhere").status_code == 404
    assert client.get("/", follow_redirects=False).headers["location"] == "asyncapi"
    assert docs.handles("/asyncapi/static/page.js")
    assert not docs.handles("/other")

    root = TestClient(AsyncAPIDocs(document(), path="/"))
    html = root.get("/").text
    assert 'data-schema-url="asyncapi.json"' in html
    assert root.get("/asyncapi.json").json()["asyncapi"] == "3.0.0"
    assert root.get("/asyncapi/static/page.js").status_code == 200


def test_read_document(tmp_path: Path) -> None:
    doc = get_app_schema(make_app()[1], "3.0.0")
    (tmp_path / "a.json").write_text(json.dumps(doc))
    (tmp_path / "a.yaml").write_text(to_yaml(doc))
    assert read_document(tmp_path / "a.json") == doc
    assert read_document(tmp_path / "a.yaml") == doc
    (tmp_path / "bad.yaml").write_text("just: text\n")
    with pytest.raises(ValueError, match="not an AsyncAPI document"):
        read_document(tmp_path / "bad.yaml")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_docs_runs_a_server(tmp_path: Path) -> None:
    port = _free_port()
    code = textwrap.dedent(
        f"""
        from faststream_fastapi.asyncapi import serve_docs
        serve_docs({{"asyncapi": "3.0.0", "info": {{"title": "Served", "version": "1"}},
                    "channels": {{}}}}, "127.0.0.1", {port}, log_level="warning")
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/asyncapi.json", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None, "serve_docs exited"
                assert time.monotonic() < deadline, "serve_docs did not start"
                time.sleep(0.1)
        assert response.json()["info"]["title"] == "Served"
        page = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert "Served - AsyncAPI" in page.text
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_render_html_derives_the_asset_url_from_the_document_url() -> None:
    html = render_html({"info": {"title": "T"}}, json_url="/docs.json")
    assert 'src="/docs/static/page.js' in html
    assert 'href="/docs/static/asyncapi-react.css' in html


def test_docs_app_mounted_under_a_prefix() -> None:
    docs = AsyncAPIDocs({"asyncapi": "3.0.0", "info": {"title": "T", "version": "1"}}, path="/docs")
    client = TestClient(docs, root_path="/docs")
    assert client.get("/static/page.js").status_code == 200
    assert client.get("/docs.json").status_code == 200


def test_docs_app_without_a_path_serves_by_shape() -> None:
    """For hosts (``AsgiFastStream``) that route ``X``, ``X.json``, ``X.yaml``, ``X/...`` to it."""
    docs = AsyncAPIDocs({"asyncapi": "3.0.0", "info": {"title": "T", "version": "1"}}, path=None)
    client = TestClient(docs)
    assert docs.handles("/anything")
    page = client.get("/docs")
    assert 'data-schema-url="docs.json"' in page.text
    assert 'src="docs/static/page.js' in page.text
    assert page.headers["x-content-type-options"] == "nosniff"
    slash = client.get("/docs/").text
    assert 'data-schema-url="../docs.json"' in slash
    assert 'src="static/page.js' in slash
    assert client.get("/docs.json").json()["info"]["title"] == "T"
    assert yaml.safe_load(client.get("/docs.yaml").text)["asyncapi"] == "3.0.0"
    assert client.get("/docs/static/page.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/docs/static/nope.js").status_code == 404
