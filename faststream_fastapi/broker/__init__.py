"""FastStream 0.5's module path ``faststream.broker.fastapi``, renamed.

FastStream 0.5's API reference documents the plugin's ``Context`` and
``StreamRouter`` under ``faststream.broker.fastapi``; code that imports them
from there keeps working after the rename. Nothing else of 0.5's internal
``broker`` package is provided: its other modules were its implementation.
"""
