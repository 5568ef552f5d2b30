"""Benchmarks: ``python -m bench.extraction`` (``make bench``) and its pinned quality floor."""
