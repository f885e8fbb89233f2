"""What keeps the REST service up under load and bad clients: admission, time and size limits.

All pure Python and ASGI, no web framework: ``Admission`` bounds the reads running and waiting,
``Deadline`` stops a read that runs too long, ``BodySizeLimit`` refuses a body past its limit
while it streams (before it is spooled), and ``safe_filename`` keeps what reaches an output plain.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

from htr_core.io.limits import env_number


@dataclass(frozen=True)
class ServiceLimits:
    """Set by the environment (HTR_API_WORKERS, HTR_API_QUEUE, HTR_API_TIMEOUT, HTR_API_MAX_MB)."""

    workers: int = max(1, os.cpu_count() or 1)  # reads running at once
    queue: int = 8  # reads waiting for a worker; past that, 503
    queue_wait: float = 30.0  # seconds a read may wait for a worker
    timeout: float = 120.0  # seconds a read may run
    max_upload_bytes: int = 50 * 1024 * 1024

    @classmethod
    def from_environment(cls) -> "ServiceLimits":
        return cls(workers=max(1, int(env_number("HTR_API_WORKERS", cls.workers))),
                   queue=max(0, int(env_number("HTR_API_QUEUE", cls.queue))),
                   timeout=env_number("HTR_API_TIMEOUT", cls.timeout),
                   max_upload_bytes=int(env_number("HTR_API_MAX_MB", 50) * 1024 * 1024))


class Busy(Exception):
    """Every worker is busy and the queue is full (or waiting took too long): try again later."""

    def __init__(self, retry_after: int):
        super().__init__("the service is busy: try again later")
        self.retry_after = retry_after


class Admission:
    """At most ``workers`` reads at once and ``queue`` waiting; anyone else is turned away."""

    def __init__(self, workers: int, queue: int, queue_wait: float):
        self.workers, self.queue, self.queue_wait = workers, queue, queue_wait
        self._slots = threading.Semaphore(workers)
        self._lock = threading.Lock()
        self._inside = 0

    @contextmanager
    def slot(self) -> Iterator[None]:
        with self._lock:
            if self._inside >= self.workers + self.queue:
                raise Busy(retry_after=max(1, int(self.queue_wait)))
            self._inside += 1
        try:
            if not self._slots.acquire(timeout=self.queue_wait):
                raise Busy(retry_after=max(1, int(self.queue_wait)))
            try:
                yield
            finally:
                self._slots.release()
        finally:
            with self._lock:
                self._inside -= 1


class TimedOut(Exception):
    """A read ran past its deadline and was stopped."""


class Deadline:
    """A point in time; ``check`` raises ``TimedOut`` past it (called between lines and pages)."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.seconds, self.clock = seconds, clock
        self.end = clock() + seconds

    def check(self, *_progress) -> None:
        if self.clock() > self.end:
            raise TimedOut(f"reading took longer than {self.seconds:g} s and was stopped")


_UNSAFE = re.compile(r"[^\w.\- ]+")


def safe_filename(name: str | None, default: str = "image.png", limit: int = 120) -> str:
    """An upload's name as outputs may carry it: its last path part, letters, digits, '.', '-',
    '_' and spaces only (no control characters or markup), at most ``limit`` characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C")
    name = _UNSAFE.sub("_", name).strip(" .")
    return name[:limit] or default


class BodySizeLimit:
    """ASGI middleware: a request body past ``max_bytes`` gets a 413 as soon as it is known to be
    (its Content-Length, or the bytes received so far), never spooled whole first."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            return await self._refuse(send)
        received = 0
        too_large = started = False

        async def counting_receive():
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    too_large = True
                    raise _TooLarge()
            return message

        async def tracking_send(message):
            nonlocal started
            if too_large:  # a form parser that caught _TooLarge answers 400: the 413 goes instead
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            pass
        if too_large and not started:
            await self._refuse(send)

    async def _refuse(self, send) -> None:
        body = json.dumps({"detail": f"the upload is larger than {self.max_bytes // (1024 * 1024)} MB"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass
