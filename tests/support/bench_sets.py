"""A small benchmark set on disk, laid out as ../shared/wcxb-articles/dev is: pages and their ground truth."""

from __future__ import annotations

import gzip
import json
from pathlib import Path


def wcxb_dir(root: Path) -> Path:
    """Two WCXB-style pages (one without an author in its truth) under ``root``; returns ``root``."""
    directory = root / "wcxb-articles" / "dev"
    directory.mkdir(parents=True)
    paras = [
        f"The committee approved budget line {k} for coastal patrol vessels on Tuesday, after a long "
        f"debate about hull number {k}, crew training and the maintenance plan for the next decade."
        for k in range(4)
    ]
    truth = {}
    for n, (title, author) in enumerate([("Patrol vessels funded", "Jane Doe"), ("Radar contract signed", None)]):
        html = (
            f"<html><head><title>{title}</title><meta name='author' content='Jane Doe'>"
            "<meta property='article:published_time' content='2025-03-01T23:30:00-05:00'></head>"
            f"<body><nav>Home | Subscribe now</nav><article><h1>{title}</h1>"
            + "".join(f"<p>{p}</p>" for p in paras)
            + "</article><footer>Subscribe now</footer></body></html>"
        )
        (directory / f"000{n}.html.gz").write_bytes(gzip.compress(html.encode()))
        truth[f"000{n}"] = {
            "url": f"https://news.example.org/2025/03/0{n}/story",
            "title": title,
            "author": author,
            "publish_date": "2025-03-01",
            "main_content": "\n\n".join(paras),
            "with": str([paras[1].split(",")[0]]),  # the string form
            "without": ["Subscribe now"],
        }
    (directory / "ground-truth.json").write_text(json.dumps(truth))
    return root
