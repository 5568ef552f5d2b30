"""One version: pyproject.toml's, as installed; the crawl's User-Agent and WARC files carry it."""

from __future__ import annotations

import tomllib
from pathlib import Path

from click.testing import CliRunner

from corpus.version import VERSION
from crawlers import settings
from crawlers.archives import writer
from crawlers.archives.settings import ArchiveSettings
from crawlers.warc_records import SOFTWARE
from defcorpus.cli import main

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_the_installed_version_is_pyprojects() -> None:
    assert tomllib.loads(PYPROJECT.read_text())["project"]["version"] == VERSION


def test_every_place_that_names_the_version_says_the_same() -> None:
    assert settings.USER_AGENT.startswith(f"defcorpus/{VERSION} (+")
    assert SOFTWARE.startswith(f"defcorpus/{VERSION} ") and writer.SOFTWARE.startswith(f"defcorpus/{VERSION} ")
    assert ArchiveSettings().user_agent.startswith(f"defcorpus/{VERSION} (+")
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and VERSION in result.output
