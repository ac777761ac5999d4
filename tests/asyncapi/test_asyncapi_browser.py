"""The docs page in a real browser: headless Chromium (Debian package ``chromium``).

The page is served by uvicorn from a FastAPI app with a StreamRouter, loaded
with ``--dump-dom`` after the viewer has fetched and rendered the document, or
with ``--screenshot`` to see its layout at a window width.
A missing Chromium fails this test: CI installs it with
``apt-get install -y --no-install-recommends chromium``.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """``app`` served by uvicorn in a thread; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # No lifespan: the page needs no broker connection.
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
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


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serving(build_app()) as url:
        yield url


def build_plain_app() -> FastAPI:
    """Ordinary titles, to see the layout the viewer gives a document."""
    router = RedisRouter("redis://localhost:6379")

    @router.subscriber("orders.created", description="New orders.")
    async def created(order: Order) -> None: ...

    @router.subscriber("payments")
    @router.publisher("receipts")
    async def pay(amount: float, currency: str = "EUR") -> str:
        return "ok"

    app = FastAPI(title="Shop", version="1.0.0")
    app.include_router(router)
    return app


@pytest.fixture(scope="module")
def plain_url() -> Iterator[str]:
    with serving(build_plain_app()) as url:
        yield url


def headless(profile: str, *args: str) -> subprocess.CompletedProcess[str]:
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
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def dump_dom(url: str) -> str:
    with tempfile.TemporaryDirectory() as profile:
        return headless(profile, "--dump-dom", url).stdout


Pixels = list[list[tuple[int, int, int]]]

#: Rendered at this scale: a window's layout (CSS pixels) in a quarter of the pixels.
SCALE = 0.5


def screenshot(url: str, width: int, height: int = 900) -> Pixels:
    """The page in a ``width`` x ``height`` window (CSS pixels), as rows of RGB pixels."""
    with tempfile.TemporaryDirectory() as profile:
        shot = os.path.join(profile, "shot.png")
        headless(
            profile,
            f"--window-size={width},{height}",
            f"--force-device-scale-factor={SCALE}",
            "--hide-scrollbars",
            f"--screenshot={shot}",
            url,
        )
        with open(shot, "rb") as f:
            return read_png(f.read())


def read_png(data: bytes) -> Pixels:
    """An 8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes) as RGB rows."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, compressed = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and color in (2, 6) and interlace == 0
        elif kind == b"IDAT":
            compressed.append(body)
    size = 3 if color == 2 else 4
    raw, stride = zlib.decompress(b"".join(compressed)), width * size
    rows: Pixels = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind_of_filter, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for x in range(stride):
            left = line[x - size] if x >= size else 0
            up, up_left = previous[x], previous[x - size] if x >= size else 0
            if kind_of_filter == 1:
                line[x] = (line[x] + left) & 255
            elif kind_of_filter == 2:
                line[x] = (line[x] + up) & 255
            elif kind_of_filter == 3:
                line[x] = (line[x] + (left + up) // 2) & 255
            elif kind_of_filter == 4:
                p = left + up - up_left
                near = min(
                    (abs(p - left), 0, left), (abs(p - up), 1, up), (abs(p - up_left), 2, up_left)
                )
                line[x] = (line[x] + near[2]) & 255
        rows.append([(line[i], line[i + 1], line[i + 2]) for i in range(0, stride, size)])
        previous = line
    return rows


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
    for expected in ("refunds", "refunds:Refund:Message", "Refund an order.", "An order."):
        assert expected in text, expected
    assert marks(page) == []


#: The viewer's colours: its sidebar (Tailwind gray-200) and its menu button (teal-500).
SIDEBAR, BUTTON, WHITE = (237, 242, 247), (56, 178, 172), (255, 255, 255)


def button_pixels(rows: Pixels) -> list[tuple[int, int]]:
    """Where the menu button's colour is in the bottom right quarter, which it keeps."""
    height, width = len(rows), len(rows[0])
    return [
        (x, y)
        for y in range(height // 2, height)
        for x in range(width // 2, width)
        if rows[y][x] == BUTTON
    ]


@pytest.mark.parametrize("width", [1400, 1920])
def test_wide_windows_show_the_sidebar_and_no_menu_button(plain_url: str, width: int) -> None:
    rows = screenshot(plain_url + "/asyncapi", width)
    assert sidebar_share(rows) > 0.8
    assert len(button_pixels(rows)) < 50  # a teal word or two, not the round button


def test_a_narrower_window_keeps_the_menu_button_off_the_content(plain_url: str) -> None:
    rows = screenshot(plain_url + "/asyncapi", 1000)
    assert sidebar_share(rows) < 0.2
    button = button_pixels(rows)
    assert len(button) > 200, "the menu button is shown"
    button_left = min(x for x, _ in button)
    # The content's right edge (where most rows end, the boxes' borders), which the
    # "Expand all" buttons lean on, is left of the button at any scroll position.
    ends = [max((x for x, p in enumerate(row) if p != WHITE), default=0) for row in rows]
    content_right = max(set(ends) - {0}, key=ends.count)
    assert content_right < button_left


def sidebar_share(rows: Pixels) -> float:
    """How much of the column halfway across where the 16rem sidebar goes has its colour."""
    x = int(8 * 16 * SCALE)
    return sum(row[x] == SIDEBAR for row in rows) / len(rows)
