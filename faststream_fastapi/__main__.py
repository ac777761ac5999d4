"""``python -m faststream_fastapi run module:app``."""

import sys

from .cli.main import main

sys.exit(main())
