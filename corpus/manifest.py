"""A batch's manifest: the JSON object under ``clean/_manifests/`` that makes a batch visible.

Why a model: every reader of the corpus (``corpus.reader``, the clean, the repair, the CLI, the
Airflow tasks) decides what is published from these fields, so they are declared once, with their
types, and a manifest that does not fit is damaged rather than read half-way. The JSON on disk is
what the model dumps: fields a manifest did not have (``paywalled`` before schema 1.1,
``supersedes`` on a clean's batch) are not written back, and fields this code does not know (a
newer writer's) are kept.
"""

from __future__ import annotations

import json

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from corpus.errors import DamagedFileError


class FileEntry(BaseModel):
    """One data file of a batch, as its manifest lists it."""

    model_config = ConfigDict(extra="allow", frozen=True)

    key: str
    rows: int = 0
    bytes: int = 0
    # Counted when written so `defcorpus stats` reads no data file; absent before schema 1.1 (read as 0).
    paywalled: int = 0


class Manifest(BaseModel):
    """One published batch of one site: its files, the raw WARC files it consumed, what it supersedes."""

    model_config = ConfigDict(extra="allow", frozen=True)

    kind: str = Field(description="clean, compaction or repair")
    batch_id: str
    site: str
    schema_version: str = Field(description="the Article schema of the rows the batch holds")
    created_at: str = ""
    articles: int = 0
    files: list[FileEntry]
    inputs: list[str] = Field(description="raw WARC keys consumed: a clean never takes them again")
    supersedes: list[str] = Field(default_factory=list, description="data files this batch replaces")

    @classmethod
    def parse(cls, key: str, raw: bytes) -> Manifest:
        """The manifest stored at ``key``; ``DamagedFileError`` if ``raw`` is not one."""
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise DamagedFileError(key, f"not a manifest ({type(exc).__name__}, {len(raw)} bytes)") from None
        try:
            return cls.model_validate(data, strict=True)
        except ValidationError:
            raise DamagedFileError(key, f"not a manifest (fields missing, {len(raw)} bytes)") from None

    def to_json(self) -> bytes:
        """The bytes stored: the fields it was given, in declaration order, indented as ever."""
        return json.dumps(self.model_dump(mode="json", exclude_unset=True), indent=2).encode()
