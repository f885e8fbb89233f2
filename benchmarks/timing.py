"""Timing helpers shared by the benchmark scripts."""

from __future__ import annotations

import statistics
import time
from typing import Callable, Sequence


def median_ms(function: Callable, items: Sequence) -> float:
    """Median wall time of ``function(item)`` over ``items``, in milliseconds."""
    times = []
    for item in items:
        start = time.perf_counter()
        function(item)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def recognizer_speed(reader, images: Sequence, repeats: int = 200) -> tuple[float, float]:
    """Median ms at batch 1 of a ``TextReader``: (model call alone, full read = preprocess +
    model + its decoder)."""
    images = (list(images) * (repeats // max(len(images), 1) + 1))[:repeats]
    recognizer = reader.recognizer
    batches = [recognizer.prepare([image])[0] for image in images]
    for batch in batches[:5]:
        recognizer.run_model(batch)  # warm-up
    model = median_ms(recognizer.run_model, batches)
    full = median_ms(lambda image: reader.read([image]), images)
    return model, full
