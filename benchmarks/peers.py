"""The tools users would pick instead, wrapped to take a grey page and return text lines.

Benchmark-only dependencies (requirements-bench.txt; Tesseract from Debian's tesseract-ocr).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import cv2
import numpy as np


class RapidOcrPeer:
    """rapidocr 3.10 (PP-OCRv6 ONNX models shipped in the wheel), as the issue prescribes."""

    name = "rapidocr 3.10 (PP-OCRv6)"

    def __init__(self, use_det: bool = True, threads: int | None = None):
        """``threads``: ONNX Runtime's threads (None: rapidocr's default, every core)."""
        import logging

        from rapidocr import RapidOCR

        logging.getLogger("RapidOCR").setLevel(logging.WARNING)
        params = {} if threads is None else {"EngineConfig.onnxruntime.intra_op_num_threads": threads}
        self.engine = RapidOCR(params=params)
        self.use_det = use_det
        if not use_det:
            self.name = "rapidocr 3.10 (recognition only)"

    def read(self, grey: np.ndarray) -> list[str]:
        image = cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)
        if self.use_det:
            result = self.engine(image, use_cls=False)
        else:
            result = self.engine(image, use_det=False, use_cls=False)
        return [t for t in (result.txts or ()) if t.strip()]


class TesseractPeer:
    """Tesseract 5 (Debian's tesseract-ocr) through its command line, English model."""

    def __init__(self, psm: int = 6):
        if shutil.which("tesseract") is None:
            raise RuntimeError("tesseract is not installed (apt-get install tesseract-ocr)")
        self.psm = psm
        version = subprocess.run(["tesseract", "--version"], capture_output=True, text=True).stdout.split()[1]
        self.name = f"tesseract {version} (--psm {psm})"

    def read(self, grey: np.ndarray) -> list[str]:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "image.png"
            cv2.imwrite(str(path), grey)
            # Tesseract's OpenMP threads make it ~4x slower on this 2-core machine (measured: a
            # Washington page 18 s with 2 threads, 4.5 s with 1), so it runs single-threaded like ours.
            out = subprocess.run(["tesseract", str(path), "-", "--psm", str(self.psm), "-l", "eng"],
                                 capture_output=True, text=True, timeout=300,
                                 env={**os.environ, "OMP_THREAD_LIMIT": "1"})
        return [line for line in out.stdout.splitlines() if line.strip()]
