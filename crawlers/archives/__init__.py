"""Backfill from web archives: the Internet Archive's Wayback Machine and Common Crawl.

``backfill`` runs one backfill (discover captures, choose one per article, fetch, store as WARC);
``wayback`` and ``commoncrawl`` speak each archive's protocols; ``client`` is the rate-limited HTTP;
``captures`` the shared types; ``judge`` the crawl's guards applied to a capture; ``writer`` the
WARC files; ``spool`` the open one and what a rerun keeps of it after a kill; ``state`` what was
settled and where a window's backfill stands; ``settings`` the endpoints and rates. See
docs/backfill.md.
"""
