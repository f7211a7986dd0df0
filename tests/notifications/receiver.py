"""A real HTTP receiver for webhook tests: 127.0.0.1, free port, records every request."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    """One POST as the receiver saw it."""

    path: str
    idempotency_key: str | None
    content_type: str | None
    body: dict[str, Any]


@dataclass
class Receiver:
    """Knobs (status per path, delay) and what arrived."""

    port: int = 0
    delay_s: float = 0.0
    status: dict[str, int] = field(default_factory=dict)  # path -> status (default 200)
    received: list[Received] = field(default_factory=list)
    # The request with this 1-based number is held unanswered until `release` is set.
    hold_at: int | None = None
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def url(self, path: str = "/hook") -> str:
        """The webhook URL of a path on this receiver."""
        return f"http://127.0.0.1:{self.port}{path}"

    def ids(self) -> list[str]:
        """message_id of every request, in arrival order (repeats included)."""
        with self.lock:
            return [r.body["message_id"] for r in self.received]

    def wait_for(self, count: int, timeout: float) -> bool:
        """Block until at least `count` requests arrived."""
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.received) >= count, timeout)


@contextmanager
def running_receiver(**knobs: Any) -> Iterator[Receiver]:
    """Start a threaded HTTP server on a free port for the duration of the block."""
    receiver = Receiver(**knobs)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            item = Received(
                path=self.path,
                idempotency_key=self.headers.get("Idempotency-Key"),
                content_type=self.headers.get("Content-Type"),
                body=json.loads(raw.decode("utf-8")),
            )
            with receiver.lock:
                receiver.received.append(item)
                number = len(receiver.received)
            with receiver.arrived:
                receiver.arrived.notify_all()
            if number == receiver.hold_at:
                receiver.release.wait(30)
            if receiver.delay_s:
                time.sleep(receiver.delay_s)
            status = receiver.status.get(self.path, 200)
            try:
                self.send_response(status)
                if status in (301, 302, 307):
                    self.send_header("Location", receiver.url("/elsewhere"))
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:
                pass  # the sender was killed or gave up (timeout) meanwhile

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
