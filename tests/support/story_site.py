"""A small publisher for the CLI's error tests: thirty stories in a sitemap, and its site file."""

from __future__ import annotations

from pathlib import Path

from tests.support.http import FixtureSite
from tests.support.pages import Story, day
from tests.support.publishers.plain import sitemap_site

STORIES = [Story(f"/2024/10/story-{n:02d}/", f"Story {n}", day(2024, 10, n % 28 + 1)) for n in range(30)]


def build(base: str, *, delay: float = 0.0, article_base: str | None = None) -> FixtureSite:
    """A sitemap of STORIES; ``article_base``: list them on another address (one that refuses)."""
    return sitemap_site(base, STORIES, delay=delay, listed_base=article_base or "")


def site_file(tmp_path: Path, base_url: str, *, name: str = "pub", cleaning: str = "") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(
        f'name = "{name}"\ntitle = "Publisher"\nbase_url = "{base_url}"\n'
        '[[sources]]\ntype = "sitemap"\nurl = "/robots.txt"\n'
        "[articles]\nallow = ['^/\\d{4}/\\d{2}/']\n"
        f"[crawl]\nmin_delay = 0.5\n{cleaning}"
    )
    return path
