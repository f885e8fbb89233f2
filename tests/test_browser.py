"""One real-browser test: streamlit run + Debian's Chromium driven by Playwright.

Draws a word with mouse strokes on the canvas and checks a reading appears, then uploads a sample
page and checks boxes and text appear. Screenshots land in the test's tmp dir.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    env = {**os.environ, "HTR_DATASET_DIR": str(tmp_path_factory.mktemp("dataset"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail("streamlit did not start: " + process.stdout.read().decode(errors="replace")[-2000:])
    yield url
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


def test_draw_a_word_then_upload_a_page(server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server, wait_until="networkidle")
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for(state="visible", timeout=60_000)
    box = canvas.bounding_box()
    x, y = box["x"] + 100, box["y"] + 80
    # "lo": a tall stroke, then a loop.
    strokes = [[(x, y), (x + 5, y + 140)],
               [(x + 80, y + 90), (x + 50, y + 110), (x + 60, y + 140), (x + 100, y + 135), (x + 105, y + 100),
                (x + 80, y + 90)]]
    for stroke in strokes:
        page.mouse.move(*stroke[0])
        page.mouse.down()
        for point in stroke[1:]:
            page.mouse.move(*point, steps=8)
        page.mouse.up()
    page.get_by_text("Raw reading").wait_for(timeout=60_000)
    reading = page.locator("[data-testid='stCode']").first.inner_text().strip()
    assert reading, "the drawn word produced no reading"
    page.screenshot(path=str(tmp_path / "canvas.png"), full_page=True)

    page.get_by_text("Upload", exact=True).click()
    page.locator("input[type='file']").set_input_files(str(ROOT / "sample_images" / "page_washington_300.jpg"))
    page.get_by_text("PAGE XML").wait_for(timeout=120_000)
    assert page.get_by_text("line(s), read as page").count() >= 1
    text = page.locator("[data-testid='stCode']").first.inner_text()
    assert len(text.strip().splitlines()) >= 5
    page.screenshot(path=str(tmp_path / "page.png"), full_page=True)
    print("screenshots in", tmp_path)
