"""``AsgiResponse``: a status, headers and a body, sent over ASGI in one go."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.types import Receive, Scope, Send


class AsgiResponse:
    """An HTTP response; ``Content-Length`` is added, a ``HEAD`` request gets no body."""

    def __init__(
        self,
        body: bytes = b"",
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.body = body
        self.status_code = status_code
        self.headers = dict(headers or {})

    def raw_headers(self) -> list[tuple[bytes, bytes]]:
        names = {name.lower() for name in self.headers}
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in self.headers.items()]
        if "content-length" not in names and self.status_code not in (204, 304):
            raw.append((b"content-length", str(len(self.body)).encode()))
        return raw

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": self.status_code,
                "headers": self.raw_headers(),
            }
        )
        no_body = scope.get("method") == "HEAD" or self.status_code in (204, 304)
        await send({"type": "http.response.body", "body": b"" if no_body else self.body})


def text_response(
    text: str, status_code: int, headers: Mapping[str, str] | None = None
) -> AsgiResponse:
    """A short ``text/plain`` answer, e.g. for 404 and 405."""
    return AsgiResponse(
        text.encode(),
        status_code,
        {"content-type": "text/plain; charset=utf-8", **(headers or {})},
    )
