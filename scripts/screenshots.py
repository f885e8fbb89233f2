"""Screenshots of the app for the README and docs/: a page with a line selected at 1280 px, and
the canvas on a 390-px phone. Needs Debian's chromium.

    .venv/bin/python scripts/screenshots.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from app_budget import running_app  # noqa: E402


def main() -> None:
    with running_app() as (url, _), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 1100})
        page.goto(url, wait_until="networkidle")
        page.get_by_text("Sample", exact=True).click()
        page.get_by_text("PAGE XML").wait_for(timeout=120_000)
        picture = page.frame_locator("iframe[title*='image_coordinates']").locator("img").first
        box = picture.bounding_box()
        picture.click(position={"x": box["width"] * 0.5, "y": box["height"] * 0.22})
        page.get_by_text("Selected line").wait_for(timeout=60_000)
        time.sleep(2)
        page.screenshot(path=str(ROOT / "docs" / "app.png"))
        phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
        phone.goto(url, wait_until="networkidle")
        phone.locator("canvas.upper-canvas").first.wait_for(state="visible", timeout=60_000)
        time.sleep(3)
        phone.locator("canvas.upper-canvas").first.evaluate(  # the canvas and its toolbar in view
            "canvas => canvas.scrollIntoView({block: 'center'})")
        time.sleep(1)
        phone.screenshot(path=str(ROOT / "docs" / "app_phone.png"))
        browser.close()


if __name__ == "__main__":
    main()
