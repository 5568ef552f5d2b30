"""What a new user meets before the code: ``make demo``'s install, the licence the package metadata
names, and the README's section on what they may do with the publishers' text."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_license_file_is_the_one_the_package_declares() -> None:
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["license"]
    assert declared == "Apache-2.0"
    text = (REPO / "LICENSE").read_text()
    assert re.search(r"Apache License\s+Version 2\.0, January 2004", text)
    assert "END OF TERMS AND CONDITIONS" in text  # the whole licence, not a pointer to it
    metadata = importlib.metadata.metadata("defcorpus")
    assert metadata["License-Expression"] == declared and "LICENSE" in (metadata.get_all("License-File") or [])


def test_the_readme_says_what_users_may_do_with_the_publishers_text() -> None:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Using the corpus responsibly", 1)[1].split("\n## ", 1)[0]
    for promise in ("`LICENSE`", "robots.txt", "terms", "redistribution", "`paywalled = true`"):
        assert promise in section, promise


def make_rule(makefile: str, target: str) -> tuple[list[str], list[str]]:
    """A Makefile rule's prerequisites and recipe lines."""
    found = re.search(rf"^{re.escape(target)}:(.*)\n((?:\t.*\n)*)", makefile, re.MULTILINE)
    assert found, target
    return found[1].split(), [line.strip() for line in found[2].splitlines()]


def test_make_demo_installs_only_the_core_dependencies() -> None:
    """The demo runs on the core alone: no Airflow, readers, bench baselines or dev tools (1.1 GB)."""
    makefile = (REPO / "Makefile").read_text()
    prerequisites, recipe = make_rule(makefile, "demo")
    assert prerequisites == ["$(CORE_STAMP)"] and recipe == ["$(VENV)/bin/defcorpus demo"]
    _, install = make_rule(makefile, "$(CORE_STAMP)")
    syncs = [line for line in install if " sync " in line]
    assert len(syncs) == 1 and "--frozen" in syncs[0] and "--no-default-groups" in syncs[0]
    assert not re.search(r"--all-extras|--extra\b|--group\b|--all-groups", syncs[0])
