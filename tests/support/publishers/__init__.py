"""Loopback imitations of publishers' platforms: each module's ``build(base_url)`` gives a FixtureSite."""

from __future__ import annotations

from types import ModuleType

from tests.support.publishers import arc, custom, drupal, nextjs, wordpress_core, wordpress_yoast

PLATFORMS: list[tuple[str, ModuleType, str]] = [
    ("wordpress-yoast", wordpress_yoast, "breakingdefense"),
    ("wordpress-core", wordpress_core, "ukdefencejournal"),
    ("arc-xp", arc, "defensenews"),
    ("nextjs", nextjs, "twz"),
    ("drupal", drupal, "nationalinterest"),
    ("custom", custom, "defenseone"),
]
