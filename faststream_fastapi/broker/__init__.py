"""FastStream 0.5's module paths under ``faststream.broker``, renamed.

FastStream 0.5's API reference documents the plugin's ``Context`` and
``StreamRouter`` under ``faststream.broker.fastapi``, and ``Response`` and
``ensure_response`` under ``faststream.broker.response``, and ``BaseMiddleware``
and ``ExceptionMiddleware`` under ``faststream.broker.middlewares``; code that
imports them from there keeps working after the rename. Nothing else of 0.5's internal
``broker`` package is provided: its other modules were its implementation.
"""
