"""Tests for app.py that need no NATS: ``pytest examples/standalone/test_app.py``."""

from app import app, broker, greet, settings

from faststream_fastapi import TestApp
from faststream_fastapi.nats import TestNatsBroker


async def test_hooks_get_the_command_line_options():
    async with TestNatsBroker(broker), TestApp(app, run_extra_options={"env": "test"}):
        assert settings["env"] == "test"


async def test_a_greeting_is_published():
    async with TestNatsBroker(broker) as br, TestApp(app):
        await br.publish("Ann", "greetings")

        greet.mock.assert_called_once_with("Ann")
        greet.publishers[0].mock.assert_called_once_with("Hello, Ann! (dev)")


async def test_request_reply_in_memory():
    async with TestNatsBroker(broker) as br, TestApp(app):
        reply = await br.request("Bo", "greetings", timeout=1.0)

        assert await reply.decode() == "Hello, Bo! (dev)"
