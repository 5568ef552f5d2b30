"""The report in a real browser: Debian's Chromium, headless, networking off, driven by Playwright.

Chromium is a system package (``.ci/run`` installs it when missing); Playwright only drives it, with
no browser download of its own.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from defcorpus.report import ReportData, render_html

pytestmark = pytest.mark.slow


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run installs it (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


def test_report_renders_offline_without_console_errors(data: ReportData, tmp_path: Path) -> None:
    """The report corpus's report (tests/defcorpus/conftest.py); the screenshot stays in the test's tmp dir."""
    from playwright.sync_api import sync_playwright

    html_file = tmp_path / "report.html"
    html_file.write_text(render_html(data))
    shot = tmp_path / "report.png"
    problems: list[str] = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        try:
            context = browser.new_context(offline=True, viewport={"width": 1100, "height": 900})
            page = context.new_page()
            page.on(
                "console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None
            )
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
            page.goto(html_file.as_uri(), wait_until="load")
            charts = page.eval_on_selector_all("figure.chart", _CHARTS)
            page.screenshot(path=str(shot), full_page=True)
            pixels = page.evaluate(_DISTINCT_COLOURS, shot.read_bytes().hex())
        finally:
            browser.close()
    assert problems == []
    assert [name for name, _, _ in charts] == ["coverage", "crawls", "words", "removals", "metadata", "drift"]
    assert all(area > 10_000 and marks > 10 for _, area, marks in charts), charts
    assert shot.stat().st_size > 50_000
    assert pixels > 50, "the screenshot is blank"


# Each chart figure: its name, its SVG's drawn area and how many marks it holds.
_CHARTS = """figs => figs.map(f => {
  const svg = f.querySelector('svg');
  const box = svg && svg.getBoundingClientRect();
  return [f.dataset.chart, box ? box.width * box.height : 0, svg ? svg.querySelectorAll('path, rect, text').length : 0];
})"""

# Distinct colours in the screenshot, decoded by the browser itself: a blank page has one or two.
_DISTINCT_COLOURS = """async (hex) => {
  const bytes = new Uint8Array(hex.match(/../g).map(h => parseInt(h, 16)));
  const bitmap = await createImageBitmap(new Blob([bytes], {type: 'image/png'}));
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d'); ctx.drawImage(bitmap, 0, 0);
  const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
  const seen = new Set();
  for (let i = 0; i < data.length; i += 4 * 97) seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
  return seen.size;
}"""
