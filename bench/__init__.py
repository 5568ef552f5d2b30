"""Benchmarks: ``python -m bench.extraction`` (``make bench``) and its pinned quality floors (one entry per set)."""
