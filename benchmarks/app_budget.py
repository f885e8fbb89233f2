"""The app's two budgets: canvas-to-text server time and resident memory after reading a page.

    .venv/bin/python benchmarks/app_budget.py

1. Canvas: a word drawn with pen-like strokes (PNG bytes, as the canvas component sends them) ->
   grey image -> Pipeline (settings for a drawing, as the app's) -> text. Median over 50 drawings, models already loaded (as in the app,
   where st.cache_resource keeps them). Budget: <= 300 ms.
2. Memory: starts `streamlit run streamlit_app.py`, uploads the sample page in Debian's Chromium
   (Playwright), waits for the reading, then reads the server's VmRSS. Budget: <= 400 MB.
3. Peak memory: then uploads a 100-MP (10000 x 10000) colour PNG of a page of text and reads the
   server's VmHWM once it is read. Budget: < 800 MB.
"""

from __future__ import annotations

import io
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from htr_core.io.images import read_image  # noqa: E402
from htr_core.pipeline import Pipeline, PipelineSettings  # noqa: E402


def drawn_word(rng: np.random.Generator) -> bytes:
    """A canvas-sized RGBA PNG with a few smooth black strokes, like a mouse-drawn word."""
    canvas = np.zeros((300, 800, 4), np.uint8)
    canvas[..., 3] = 0
    x = 80
    for _ in range(int(rng.integers(3, 7))):
        points = np.cumsum(rng.normal(0, 12, (20, 2)), axis=0) + [x, 150]
        cv2.polylines(canvas, [points.astype(np.int32)], False, (0, 0, 0, 255), 6, cv2.LINE_AA)
        x += int(rng.integers(40, 90))
    buffer = io.BytesIO()
    Image.fromarray(canvas, "RGBA").save(buffer, format="PNG")
    return buffer.getvalue()


def canvas_latency(count: int = 50) -> float:
    pipeline = Pipeline.from_model_dir(settings=PipelineSettings().for_drawing())  # as the app reads its canvas
    rng = np.random.default_rng(0)
    drawings = [drawn_word(rng) for _ in range(count)]
    pipeline.read(read_image(drawings[0]))  # warm-up, as a loaded app is
    times = []
    for png in drawings:
        start = time.perf_counter()
        pipeline.read(read_image(png))
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def huge_page(path: Path) -> Path:
    """A 10000 x 10000 colour PNG of printed lines: 100 MP in a few MB."""
    if not path.exists():
        page = np.full((10000, 10000, 3), 235, np.uint8)
        for row in range(120):
            cv2.putText(page, f"a line of text on a very large page, number {row}", (200, 80 * row + 120),
                        cv2.FONT_HERSHEY_SIMPLEX, 2.0, (30, 30, 30), 4)
        cv2.imwrite(str(path), page)
    return path


def _memory_mb(pid: int, field: str) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith(field)).split()[1]) / 1024


@contextmanager
def running_app(env: dict | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """``streamlit run streamlit_app.py`` on a free port until the block ends: (its URL, its process)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **(env or {})})
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        yield url, server
    finally:
        server.terminate()
        server.wait(timeout=10)


def app_memory_mb() -> tuple[float, float]:
    """The server's resident memory after reading the sample page, and its peak after a 100-MP page."""
    from playwright.sync_api import sync_playwright

    big = huge_page(Path("/tmp/htr_bench_100mp.png"))
    with running_app({"HTR_DATASET_DIR": "/tmp/htr_bench_dataset"}) as (url, server):
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"])
            page = browser.new_page()
            page.goto(url, wait_until="networkidle")
            page.get_by_text("Upload", exact=True).click()
            page.locator("input[type='file']").set_input_files(str(ROOT / "sample_images" / "page_washington_300.jpg"))
            page.get_by_text("PAGE XML").wait_for(timeout=120_000)
            time.sleep(2)
            after_page = _memory_mb(server.pid, "VmRSS")
            page.close()
            page = browser.new_page()  # a second visitor, uploading the large page alone
            page.goto(url, wait_until="networkidle")
            page.get_by_text("Upload", exact=True).click()
            page.locator("input[type='file']").set_input_files(str(big))
            page.get_by_text(f"{big.name}: ").first.wait_for(timeout=600_000)  # its reading's caption
            peak = _memory_mb(server.pid, "VmHWM")
            browser.close()
        return after_page, peak


def main() -> None:
    latency = canvas_latency()
    after_page, peak = app_memory_mb()
    print("| budget | measured | limit |")
    print("| --- | --- | --- |")
    print(f"| canvas word -> text, server time (median of 50) | {latency:.0f} ms | 300 ms |")
    print(f"| app resident memory after reading a page | {after_page:.0f} MB | 400 MB |")
    print(f"| app peak memory, reading a 100-MP colour PNG after it | {peak:.0f} MB | 800 MB |")


if __name__ == "__main__":
    main()
