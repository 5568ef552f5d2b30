"""The corpus report: coverage, crawl health, text quality and drift in one self-contained HTML file.

``collect_report`` (plain records, ``defcorpus.report.data``) and ``write_report`` (HTML, into a file
and the store, ``defcorpus.report.render``).
"""

from defcorpus.report.data import ReportData, ReportInputError, collect_report
from defcorpus.report.render import render_html, write_report

__all__ = ["ReportData", "ReportInputError", "collect_report", "render_html", "write_report"]
