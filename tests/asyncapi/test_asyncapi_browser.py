"""The docs page in a real browser: headless Chromium (Debian package ``chromium``).

The page is served by uvicorn from a FastAPI app with a StreamRouter, loaded
with ``--dump-dom`` after the viewer has fetched and rendered the document.
A missing Chromium fails this test: CI installs it with
``apt-get install -y --no-install-recommends chromium``.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from faststream_fastapi.redis.fastapi import RedisRouter

#: Each would leave a mark if it ran: a changed title, an attribute, an element.
SCRIPT = "</script><script>document.title='PWNED'</script>"
IMG = "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">"
SVG = "<svg onload=\"document.body.appendChild(document.createElement('pwned'))\"></svg>"
HOSTILE = SCRIPT + IMG + SVG


class Order(BaseModel):
    """An order."""

    id: int = Field(description="Order number " + IMG)
    item: str


def chromium() -> str:
    found = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not found:
        pytest.fail(
            "Chromium is needed for this test: apt-get install -y --no-install-recommends chromium"
        )
    return found


def build_app() -> FastAPI:
    router = RedisRouter("redis://localhost:6379")

    @router.subscriber(
        "orders.created", title="orders-created" + IMG, description="New orders. " + HOSTILE
    )
    async def created(order: Order) -> None: ...

    @router.subscriber("payments")
    @router.publisher("receipts", description="Receipts " + HOSTILE)
    async def pay(amount: float, currency: str = "EUR") -> str:
        """Take a payment."""
        return "ok"

    legacy = RedisRouter(schema_url="/legacy", asyncapi_version="2.6.0")

    @legacy.subscriber("refunds")
    async def refund(order: Order) -> None:
        """Refund an order."""

    app = FastAPI(title="Shop " + HOSTILE, version="1.0.0", description="About " + HOSTILE)
    app.include_router(router)
    app.include_router(legacy)

    @app.get("/unprotected", response_class=HTMLResponse)
    async def unprotected() -> str:
        # No CSP here: proves a hostile handler *would* leave its mark.
        body = SCRIPT.removeprefix("</script>") + IMG + SVG
        return f"<!doctype html><html><head><title>t</title></head><body>{body}</body></html>"

    return app


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # No lifespan: the page needs no broker connection.
    server = uvicorn.Server(uvicorn.Config(build_app(), lifespan="off", log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    started = threading.Event()

    def wait() -> None:
        while not server.started and thread.is_alive():
            started.wait(0.05)

    wait()
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def dump_dom(url: str) -> str:
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [
                chromium(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--virtual-time-budget=20000",
                "--dump-dom",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=180,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.title = ""
        self._in_title = False
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        self.text.append(data)


def parse(dom: str) -> _Elements:
    parser = _Elements()
    parser.feed(dom)
    return parser


def marks(page: _Elements) -> list[str]:
    """Traces hostile code would leave had it run."""
    found = []
    if page.title.strip() == "PWNED":
        found.append("title")
    body = next((attrs for tag, attrs in page.tags if tag == "body"), {})
    if "data-pwned" in body:
        found.append("body attribute")
    if any(tag == "pwned" for tag, _ in page.tags):
        found.append("element")
    return found


def test_the_detector_sees_hostile_code_run_without_csp(base_url: str) -> None:
    page = parse(dump_dom(base_url + "/unprotected"))
    assert marks(page) == ["title", "body attribute", "element"]


def test_page_renders_channels_and_messages(base_url: str) -> None:
    page = parse(dump_dom(base_url + "/asyncapi"))
    text = re.sub(r"\s+", " ", " ".join(page.text))
    # Rendered by the viewer from the fetched document, not present in our HTML.
    for expected in (
        "orders.created",
        "payments",
        "receipts",
        "payments_pay.Message",
        "receipts_Publisher.Message",
        "RECEIVE",
        "SEND",
        "Take a payment.",
        "An order.",
        "currency",
        "redis",
    ):
        assert expected in text, expected


def test_hostile_titles_and_descriptions_execute_nothing(base_url: str) -> None:
    page = parse(dump_dom(base_url + "/asyncapi"))
    assert marks(page) == []
    assert page.title.startswith("Shop </script><script>")
    text = " ".join(page.text)
    # The hostile title is shown as text, where it was put.
    assert "Shop </script><script>document.title='PWNED'</script><img src=x" in text
    scripts = [attrs.get("src") for tag, attrs in page.tags if tag == "script"]
    assert scripts == [
        "asyncapi/static/asyncapi-react.js?v=3.2.1",
        "asyncapi/static/page.js?v=3.2.1",
    ]


def test_page_renders_a_2_6_document(base_url: str) -> None:
    page = parse(dump_dom(base_url + "/legacy"))
    text = re.sub(r"\s+", " ", " ".join(page.text))
    for expected in ("refunds", "refunds_refund.Message", "Refund an order.", "An order."):
        assert expected in text, expected
    assert marks(page) == []
