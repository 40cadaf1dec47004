"""A webhook receiver on 127.0.0.1, in a thread: it records each request and answers as the
test scripted (a status, a delay), then 200 once the script ran out."""

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes
    answered: int


class Receiver:
    def __init__(self):
        self.received: list[Received] = []
        self._script: list[tuple[int, float]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/hooks/threadline"

    def answer(self, *statuses: int, delay: float = 0.0) -> None:
        """The next requests get these statuses (after ``delay`` seconds), in order."""
        with self._lock:
            self._script.extend((status, delay) for status in statuses)

    def start(self) -> "Receiver":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next_answer(self) -> tuple[int, float]:
        with self._lock:
            return self._script.pop(0) if self._script else (200, 0.0)

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, delay = receiver._next_answer()
                with receiver._lock:
                    receiver.received.append(Received(dict(self.headers), body, status))
                time.sleep(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/plain")
                    if 300 <= status < 400:  # to itself: a sender following it comes back
                        self.send_header("Location", receiver.url + "/moved")
                    self.end_headers()
                    self.wfile.write(b"ok" if status < 300 else b"Internal trouble " * 100)
                except OSError:
                    pass  # the sender gave up waiting (a timeout test)

            def log_message(self, *args):
                pass

        return Handler
