"""Framed Redis values read back as messages (``redis/wire.py``), no broker needed."""

from __future__ import annotations

from faststream_fastapi.redis import wire


def test_same_headers_read_again_give_equal_messages() -> None:
    first = wire.to_message(wire.pack(b"one", {"Content-Type": "text/plain"}), "k", None)
    second = wire.to_message(wire.pack(b"two", {"Content-Type": "text/plain"}), "k", None)
    assert (first.body, second.body) == (b"one", b"two")
    assert first.headers == second.headers == {"content-type": "text/plain"}
    assert first.content_type == second.content_type == "text/plain"


def test_other_headers_are_parsed_for_their_message() -> None:
    wire.to_message(wire.pack(b"a", {"content-type": "text/plain"}), "k", None)
    message = wire.to_message(
        wire.pack(b"b", {"correlation_id": "c-1", "reply_to": "inbox", "x": "y"}), "k", None
    )
    assert message.body == b"b"
    assert message.headers == {"correlation_id": "c-1", "reply_to": "inbox", "x": "y"}
    assert (message.correlation_id, message.reply_to, message.content_type) == (
        "c-1",
        "inbox",
        None,
    )


def test_empty_headers_and_foreign_values() -> None:
    assert wire.to_message(wire.pack(b"x", {}), "k", None).headers == {}
    plain = wire.to_message(b'{"a": 1}', "k", None)
    assert (plain.body, plain.headers) == (b'{"a": 1}', {})
    # The magic prefix, then a frame that does not hold: the value is a plain body.
    for broken in (wire.MAGIC + b"\x00\x00\xff\xff{}", wire.MAGIC + b"\x00\x00\x00\x02[]x"):
        message = wire.to_message(broken, "k", None)
        assert (message.body, message.headers) == (broken, {})
