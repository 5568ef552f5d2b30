"""The project's version, read once from the installed package's metadata (``pyproject.toml`` sets it).

Why not a constant: a second copy drifts; the User-Agent, the WARC ``software`` field and
``defcorpus --version`` all say what is installed.
"""

from __future__ import annotations

from importlib.metadata import version

VERSION = version("defcorpus")
