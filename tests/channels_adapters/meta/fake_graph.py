"""A fake Graph API on 127.0.0.1 that answers like Meta's: the WhatsApp Cloud API's
messages, media and templates, Messenger's Send API and user profiles.

It checks the Bearer token, records every request it receives, and can be told to fail the
next sends the way Meta does (HTTP 500, the 24-hour window, undeliverable, rate limit).
"""

import json
import threading
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

VERSION = "v21.0"

# Meta's error bodies, as the Graph API sends them.
FAILURES = {
    "500": (500, {"message": "An unexpected error has occurred. Please retry your request "
                             "later.", "type": "OAuthException", "is_transient": True,
                  "code": 2}),
    "131047": (400, {"message": "(#131047) Re-engagement message", "type": "OAuthException",
                     "code": 131047, "error_data": {
                         "messaging_product": "whatsapp",
                         "details": "Message failed to send because more than 24 hours have "
                                    "passed since the customer last replied to this number."}}),
    "131026": (400, {"message": "(#131026) Message Undeliverable.", "type": "OAuthException",
                     "code": 131026, "error_data": {
                         "messaging_product": "whatsapp",
                         "details": "Message Undeliverable."}}),
    "rate_limit": (400, {"message": "(#130429) Rate limit hit", "type": "OAuthException",
                         "code": 130429, "error_data": {
                             "messaging_product": "whatsapp",
                             "details": "Cloud API message throughput has been reached."}}),
    "messenger_window": (400, {"message": "(#10) This message is sent outside of allowed "
                                          "window.", "type": "OAuthException", "code": 10,
                               "error_subcode": 2018278}),
}


@dataclass
class Call:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)

    @property
    def form(self) -> dict[str, tuple[str | None, bytes]]:
        """A multipart body's fields: name → (filename, content)."""
        head = f"Content-Type: {self.headers['content-type']}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + self.body)
        return {part.get_param("name", header="content-disposition"):
                (part.get_filename(), part.get_payload(decode=True))
                for part in message.iter_parts()}


@dataclass
class FakeGraph:
    token: str = "EAAG-test-token"
    calls: list[Call] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # the next sends fail, in order
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # id → (bytes, type)
    declared_sizes: dict[str, int] = field(default_factory=dict)
    public_files: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # CDN files
    profiles: dict[str, dict] = field(default_factory=dict)
    templates: list[dict] = field(default_factory=list)
    sent: int = 0

    def start(self) -> "FakeGraph":
        graph = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                graph._handle(self, "GET")

            def do_POST(self):
                graph._handle(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def calls_to(self, suffix: str, method: str = "POST") -> list[Call]:
        return [c for c in self.calls if c.method == method and c.path.endswith(suffix)]

    # --- the routes ---------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        url = urlsplit(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        call = Call(method, url.path, parse_qs(url.query),
                    {k.lower(): v for k, v in request.headers.items()},
                    request.rfile.read(length) if length else b"")
        self.calls.append(call)
        parts = url.path.strip("/").split("/")
        if parts[0] == "cdn":  # Messenger's attachment URLs: public, no token
            return self._file(request, self.public_files.get(parts[-1]))
        if call.headers.get("authorization") != f"Bearer {self.token}":
            return self._error(request, 401, {"message": "Invalid OAuth access token.",
                                              "type": "OAuthException", "code": 190})
        if parts[0] == "download":  # WhatsApp's media URLs: the token is required
            return self._file(request, self.media.get(parts[-1]))
        if parts[0] != VERSION or len(parts) < 2:
            return self._error(request, 404, {"message": "Unknown path", "code": 100})
        route = parts[1:]
        if method == "POST" and route[-1] == "messages":
            return self._send(request, call, route)
        if method == "POST" and route[-1] == "media":
            return self._json(request, {"id": f"uploaded-{len(self.calls)}"})
        if method == "GET" and route[-1] == "message_templates":
            return self._templates(request, call)
        if method == "GET" and len(route) == 1 and route[0] in self.media:
            return self._media_info(request, route[0])
        if method == "GET" and len(route) == 1 and route[0] in self.profiles:
            return self._json(request, {**self.profiles[route[0]], "id": route[0]})
        return self._error(request, 400, {
            "message": f"Unsupported request - object with ID '{route[0]}' does not exist",
            "type": "GraphMethodException", "code": 100, "error_subcode": 33})

    def _send(self, request, call: Call, route: list[str]) -> None:
        if self.failures:
            status, error = FAILURES[self.failures.pop(0)]
            return self._error(request, status, error)
        self.sent += 1
        if route[0] == "me":
            recipient = (call.json["recipient"] if "json" in call.headers["content-type"]
                         else json.loads(call.form["recipient"][1]))
            return self._json(request, {"recipient_id": recipient["id"],
                                        "message_id": f"m_out-{self.sent}"})
        to = call.json["to"]
        return self._json(request, {"messaging_product": "whatsapp",
                                    "contacts": [{"input": to, "wa_id": to}],
                                    "messages": [{"id": f"wamid.OUT{self.sent}"}]})

    def _media_info(self, request, media_id: str) -> None:
        content, content_type = self.media[media_id]
        size = self.declared_sizes.get(media_id, len(content))
        return self._json(request, {
            "messaging_product": "whatsapp", "url": f"{self.base_url}/download/{media_id}",
            "mime_type": content_type, "sha256": "0" * 64, "file_size": str(size),
            "id": media_id})

    def _templates(self, request, call: Call) -> None:
        """Two pages, the second one reached through ``paging.next``."""
        half = (len(self.templates) + 1) // 2
        after = call.query.get("after", [""])[0]
        page = self.templates[half:] if after else self.templates[:half]
        paging = {"cursors": {"before": "QVFI", "after": "QVFJ"}}
        if not after:
            paging["next"] = f"{self.base_url}{call.path}?limit=100&after=QVFJ"
        return self._json(request, {"data": page, "paging": paging})

    # --- answering ------------------------------------------------------------------

    def _json(self, request, document: dict, status: int = 200) -> None:
        body = json.dumps(document).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json; charset=UTF-8")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    def _error(self, request, status: int, error: dict) -> None:
        self._json(request, {"error": {**error, "fbtrace_id": "AbCdEf123"}}, status)

    def _file(self, request, found: tuple[bytes, str] | None) -> None:
        if found is None:
            return self._error(request, 404, {"message": "Not found", "code": 100})
        content, content_type = found
        request.send_response(200)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(content)))
        request.end_headers()
        request.wfile.write(content)
