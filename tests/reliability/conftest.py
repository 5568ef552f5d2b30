"""The reliability suite's marker and its fixture site (helpers: tests/support/raw.py, snapshots.py, faults.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawlers.sites import SiteConfig
from tests.support.site_configs import SITE_TOML, site_config

MARKER = "reliability: injected faults and hostile input (tests/reliability; run alone with -m reliability)"


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker here as well, so the suite runs under --strict-markers before pyproject lists it."""
    config.addinivalue_line("markers", MARKER)


@pytest.fixture
def relsite() -> SiteConfig:
    return site_config()


@pytest.fixture
def sites_file(tmp_path: Path) -> Path:
    """The fixture site's TOML, for ``defcorpus --sites-file`` in a subprocess."""
    path = tmp_path / "relsite.toml"
    path.write_text(SITE_TOML)
    return path
