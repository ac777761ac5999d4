"""``python -m faststream_fastapi run module:app``."""

from .cli.main import main

main()
