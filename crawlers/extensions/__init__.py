"""Scrapy extensions: WARC writing and the crawl report."""
