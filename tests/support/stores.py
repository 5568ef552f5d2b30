"""Helpers of the store tests: a key shaped like a real WARC key, large files, a raw S3 client."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import boto3

from corpus.store import S3Store

WARC_KEY = "raw/site=minisite/2026/11/crawl-20261124T220000Z-0001.warc.gz"
MiB = 1024 * 1024


def raw_client(store: S3Store) -> Any:
    """A plain boto3 client on the store's endpoint, to look behind the store's back."""
    return boto3.session.Session().client("s3", endpoint_url=store.endpoint_url)


def big_file(tmp_path: Path, size: int = 20 * MiB, name: str = "big.bin") -> Path:
    """A file large enough for multipart transfers, its parts distinct so that reordering shows."""
    path = tmp_path / name
    block = os.urandom(MiB)
    with path.open("wb") as fh:
        for i in range(size // MiB):
            fh.write(bytes([i % 256]) + block[1:])  # distinct parts catch reordering bugs
    return path
