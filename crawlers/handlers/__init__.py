"""Scrapy download handlers: Scrapy's own, with limits a hostile server cannot talk its way past."""
