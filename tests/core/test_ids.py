"""Generated ids: unique per process, and a forked child does not repeat its parent's."""

from __future__ import annotations

import os
import sys

import pytest

from faststream_fastapi.core.sending import new_id


def test_ids_differ() -> None:
    ids = {new_id() for _ in range(1000)}
    assert len(ids) == 1000


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
@pytest.mark.skipif(sys.platform == "darwin", reason="fork with threads is unsafe on macOS")
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded")
def test_a_forked_child_does_not_repeat_the_parents_ids() -> None:
    # JetStream drops a message whose Nats-Msg-Id it has seen: two workers forked
    # from one parent (gunicorn --preload) must not generate the same ids.
    new_id()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: one id to the parent, then out without cleanup
        os.write(write, new_id().encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    child = os.read(read, 100).decode()
    os.close(read)
    parent = new_id()
    assert child and child[:16] != parent[:16]
