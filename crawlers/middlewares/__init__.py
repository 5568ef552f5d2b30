"""Downloader middlewares, one job each: robots.txt Crawl-delay, retry backoff, page guards, incremental."""
