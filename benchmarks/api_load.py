"""Load the REST service on localhost: parallel page reads, then one huge streamed upload.

Starts ``python -m htr_core.service.api`` as its own process with the given worker and queue limits,
sends ``--rounds`` rounds of ``--parallel`` page reads at once, and reports the status codes, the
latencies of the served reads, and the server's resident memory (VmRSS) before, after and at its
peak (VmHWM). Then it streams ``--upload_mb`` of a body with no Content-Length and reports how
much was sent before the 413 came back.

    .venv/bin/python benchmarks/api_load.py --parallel 16 --rounds 3 --report reports/api_load.json
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PAGE = ROOT / "sample_images" / "page_washington_300.jpg"


def memory_mb(pid: int) -> dict[str, float]:
    """The process's resident memory now and at its peak, from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return {"rss_mb": round(fields["VmRSS"], 1), "peak_mb": round(fields["VmHWM"], 1)}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(port: int, workers: int, queue: int, timeout: float, max_mb: float) -> subprocess.Popen:
    env = {**os.environ, "HTR_API_WORKERS": str(workers), "HTR_API_QUEUE": str(queue),
           "HTR_API_TIMEOUT": str(timeout), "HTR_API_MAX_MB": str(max_mb)}
    server = subprocess.Popen([sys.executable, "-m", "htr_core.service.api", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=60).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the service did not come up within 120 s")


def read_page(url: str, page: bytes) -> tuple[int, float]:
    start = time.perf_counter()
    reply = httpx.post(f"{url}/v1/read", files={"file": ("page.png", page, "image/png")}, timeout=600)
    return reply.status_code, time.perf_counter() - start


def stream_upload(port: int, megabytes: float) -> dict:
    """Send a chunked body of ``megabytes`` until the server answers; how far it got and what it said."""
    chunk = b"\0" * (1024 * 1024)
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=60) as connection:
        connection.sendall(b"POST /v1/read HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
                           b"Content-Type: multipart/form-data; boundary=x\r\n\r\n")
        part = b'--x\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n'
        connection.sendall(b"%x\r\n" % len(part) + part + b"\r\n")
        connection.settimeout(0.01)
        try:
            while sent < megabytes * len(chunk):
                connection.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
                sent += len(chunk)
                try:
                    if connection.recv(1, socket.MSG_PEEK):
                        break
                except (socket.timeout, BlockingIOError):
                    pass
        except (BrokenPipeError, ConnectionResetError):
            pass
        connection.settimeout(30)
        try:
            status_line = connection.recv(4096).split(b"\r\n", 1)[0].decode(errors="replace")
        except (socket.timeout, ConnectionResetError):
            status_line = ""
    return {"sent_mb": round(sent / len(chunk), 1), "reply": status_line}


def run(parallel: int, rounds: int, workers: int, queue: int, timeout: float = 120.0, max_mb: float = 50.0,
        upload_mb: float = 2048, page_path: Path = DEFAULT_PAGE) -> dict:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    page = page_path.read_bytes()
    server = start_server(port, workers, queue, timeout, max_mb)
    try:
        read_page(url, page)  # the models load on first use
        before = memory_mb(server.pid)
        codes: dict[int, int] = {}
        served: list[float] = []
        with ThreadPoolExecutor(parallel) as clients:
            for _ in range(rounds):
                for code, seconds in clients.map(lambda _: read_page(url, page), range(parallel)):
                    codes[code] = codes.get(code, 0) + 1
                    if code == 200:
                        served.append(seconds)
        after = memory_mb(server.pid)
        health = httpx.get(f"{url}/health", timeout=30).status_code
        upload = stream_upload(port, upload_mb) if upload_mb else None
        alive = server.poll() is None
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"parallel": parallel, "rounds": rounds, "workers": workers, "queue": queue, "page": page_path.name,
            "status_codes": {str(code): count for code, count in sorted(codes.items())},
            "served_p50_s": round(statistics.median(served), 2) if served else None,
            "served_max_s": round(max(served), 2) if served else None,
            "memory_before": before, "memory_after": after, "health_after": health,
            "huge_upload": upload, "server_alive": alive}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parallel", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--queue", type=int, default=8)
    parser.add_argument("--upload_mb", type=float, default=2048)
    parser.add_argument("--page", type=Path, default=DEFAULT_PAGE)
    parser.add_argument("--report", type=Path)
    args = parser.parse_args()
    result = run(args.parallel, args.rounds, args.workers, args.queue, upload_mb=args.upload_mb, page_path=args.page)
    text = json.dumps(result, indent=2)
    print(text)
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(text + "\n")


if __name__ == "__main__":
    main()
