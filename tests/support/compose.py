"""infra/compose.yaml read as Compose reads it: variables at their defaults, a service's environment as a dict."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

INFRA = Path(__file__).resolve().parents[2] / "infra"
COMPOSE_FILE = INFRA / "compose.yaml"

_VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::?-(?P<default>[^}]*))?\}")


def interpolate(text: str) -> str:
    """Compose's ``${VAR:-default}`` with every variable at its default; ``$$`` is a literal ``$``."""
    escaped = text.replace("$$", "\0")
    return _VARIABLE.sub(lambda m: m["default"] or "", escaped).replace("\0", "$")


def env_of(service: dict[str, Any]) -> dict[str, str]:
    """A service's ``environment``, in either of Compose's forms (a mapping or ``NAME=value`` items)."""
    env = service.get("environment") or {}
    if isinstance(env, list):  # "NAME=value" form
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}
