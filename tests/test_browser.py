"""Real-browser tests: streamlit run + Debian's Chromium driven by Playwright.

Writes a line with mouse strokes on the canvas and checks it reads right, uploads a sample page
and checks boxes and text appear, and checks two visitors never see each other's corrections.
Screenshots land in the test's tmp dir.
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


def draw_strokes(page, canvas, text: str) -> None:
    """``text`` written on the canvas with mouse moves along single-stroke (Hershey) letters."""
    from htr_core.data.canvas import fit_to_canvas
    from test_drawing import strokes_of

    box = canvas.bounding_box()
    visible = min(int(box["width"]), 600)  # stay inside the part of the canvas in view
    for stroke in fit_to_canvas([strokes_of(text, "futural")], width=visible, height=int(box["height"])):
        points = [(box["x"] + x, box["y"] + y) for x, y in stroke]
        page.mouse.move(*points[0])
        page.mouse.down()
        for point in points[1:]:
            page.mouse.move(*point, steps=3)
        page.mouse.up()


def test_draw_a_line_then_upload_a_page(server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server, wait_until="networkidle")
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for(state="visible", timeout=60_000)
    draw_strokes(page, canvas, "hello world")
    page.get_by_text("Raw reading").wait_for(timeout=60_000)
    # The app reads again after every stroke: wait for the reading of the whole drawing.
    corrected, deadline = "", time.time() + 60
    while corrected != "hello world" and time.time() < deadline:
        time.sleep(1)
        corrected = page.locator("textarea").first.input_value().strip()
    assert corrected == "hello world", corrected
    page.screenshot(path=str(tmp_path / "canvas.png"), full_page=True)

    page.get_by_text("Upload", exact=True).click()
    page.locator("input[type='file']").set_input_files(str(ROOT / "sample_images" / "page_washington_300.jpg"))
    page.get_by_text("PAGE XML").wait_for(timeout=120_000)
    assert page.get_by_text("line(s), read as page").count() >= 1
    text = page.locator("[data-testid='stCode']").first.inner_text()
    assert len(text.strip().splitlines()) >= 5
    page.screenshot(path=str(tmp_path / "page.png"), full_page=True)
    print("screenshots in", tmp_path)


def test_two_visitors_never_see_each_others_corrections(server, browser):
    first = browser.new_context(viewport={"width": 1400, "height": 1000})
    second = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        mine = first.new_page()
        mine.goto(server, wait_until="networkidle")
        mine.get_by_text("Upload", exact=True).click()
        mine.locator("input[type='file']").set_input_files(str(ROOT / "sample_images" / "line_returns.png"))
        mine.get_by_text("Save line to my dataset").first.wait_for(timeout=120_000)
        mine.get_by_text("Save line to my dataset").first.click()
        mine.get_by_text("1 line(s) corrected in this session").wait_for(timeout=60_000)
        theirs = second.new_page()
        theirs.goto(server, wait_until="networkidle")
        theirs.get_by_text("0 line(s) corrected in this session").wait_for(timeout=60_000)
        assert theirs.get_by_text("Download my corrections").count() == 0
    finally:
        first.close()
        second.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_canvas_fits_its_column_with_its_toolbar_in_view(server, browser, tmp_path, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.goto(server, wait_until="networkidle")
        canvas = page.locator("canvas.upper-canvas").first
        canvas.wait_for(state="visible", timeout=60_000)
        time.sleep(2)  # the canvas is drawn again at its column's width once that is measured
        canvas = page.locator("canvas.upper-canvas").first
        box = canvas.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, box  # all of it in view, toolbar under it
        room = page.locator("iframe[title*='js_eval']").first.bounding_box()  # the column's width
        assert box["width"] >= min(800, room["width"] - 40), (box, room)  # and it fills that column
        page.screenshot(path=str(tmp_path / f"canvas_{width}.png"), full_page=True)
    finally:
        page.close()


def _download(page, label: str, attempts: int = 3) -> str:
    """The text a download button gives. While the app reruns (or fetches a deferred file) the
    button is disabled, and a click that lands as it is redrawn can be lost: so wait for it to be
    enabled, and click again if no download comes."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(attempts):
        button = page.get_by_role("button", name=label, exact=True)
        deadline = time.time() + 240  # on a loaded machine a rerun can hold it disabled for minutes
        while not button.is_enabled():
            assert time.time() < deadline, f"the {label} button stayed disabled for four minutes"
            time.sleep(0.5)
        try:
            with page.expect_download(timeout=30_000) as download:
                button.click(timeout=10_000)
            return open(download.value.path(), encoding="utf-8").read()
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise
    raise AssertionError(f"no {label} download")


def test_click_a_line_to_edit_it_and_the_download_carries_the_edit(server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    try:
        page.goto(server, wait_until="networkidle")
        page.get_by_text("Upload", exact=True).click()
        page.locator("input[type='file']").set_input_files(str(ROOT / "sample_images" / "page_washington_300.jpg"))
        page.get_by_text("PAGE XML").wait_for(timeout=120_000)
        picture = page.frame_locator("iframe[title*='image_coordinates']").locator("img").first
        picture.wait_for(timeout=60_000)
        box = picture.bounding_box()
        picture.click(position={"x": box["width"] * 0.5, "y": box["height"] * 0.3})
        page.get_by_text("Selected line").wait_for(timeout=60_000)
        edit = page.get_by_label("Correct text").first
        edit.fill("a line edited in the browser")
        edit.press("Enter")
        deadline = time.time() + 60  # the app reruns with the edit: the whole text shows it
        while "a line edited in the browser" not in page.locator("textarea").first.input_value():
            assert time.time() < deadline, "the edit never reached the corrected text"
            time.sleep(0.5)
        text = _download(page, "TXT")
        assert "a line edited in the browser" in text
        page.screenshot(path=str(tmp_path / "selected.png"), full_page=True)
    finally:
        page.close()
