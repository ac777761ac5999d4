"""A handler analysed once into a call plan; per message the plan only runs.

FastAPI's dependency analysis (through ``fastapi_compat``) decides what each
parameter means (body, header, path, dependency, ``Request``...). From that
tree we build validators and a resolution order once, so a message costs one
body validation, the user's own dependencies and the call — no generic
per-request solver.

Which parameters take the body: every body or query parameter in the whole
dependency tree, by name. One such parameter receives the whole body; several
receive the keys of a JSON object body. Headers feed ``Header()`` parameters
(case-insensitively), the destination's ``{name}`` parts feed ``Path()``.

The modules: ``plan`` (``CallPlan``, the compiler), ``nodes`` (one callable of
the tree), ``fields`` (body, header and path validation), ``signature`` (bare
framework type hints), ``contexts`` (reading ``Context`` values), ``fast``
(the straight-line runner), ``tree`` (the tree-walking runner), ``env``
(``RunEnv`` and one message's scratch space).
"""

from .env import RunEnv
from .fast import FastCall
from .plan import CallPlan, Overrides, Runner

__all__ = ["CallPlan", "FastCall", "Overrides", "RunEnv", "Runner"]
