"""A fake Twilio REST API on 127.0.0.1, answering in Twilio's own wire format.

``POST /2010-04-01/Accounts/{sid}/Messages.json`` creates a Message (JSON as Twilio's, sid
"SM…", status "queued"); ``GET /media/<name>`` serves MMS media. Both check HTTP basic auth
with the account SID and auth token. Every request is recorded. ``refuse_next`` makes the
next create calls answer an error (500, 429, 400 with Twilio's error JSON); an "rcs:"
sender is refused with error 63106 unless ``rcs_capable``.
"""

import base64
import json
import threading
import uuid
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ERRORS = {
    20003: (401, "Authenticate"),
    21211: (400, "The 'To' number +33000 is not a valid phone number."),
    21610: (400, "Attempt to send to unsubscribed recipient"),
    63106: (400, "phone_number is not a RCS capable number"),
    20429: (429, "Too Many Requests"),
    20500: (500, "An internal server error has occurred"),
}


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict
    form: dict = field(default_factory=dict)  # name → list of values

    def value(self, name: str) -> str | None:
        values = self.form.get(name)
        return values[0] if values else None


class FakeTwilio:
    def __init__(self, account_sid: str, auth_token: str):
        self.account_sid, self.auth_token = account_sid, auth_token
        self.requests: list[Recorded] = []
        self.refusals: list[int] = []  # error codes answered to the next creates, in order
        self.rcs_capable = False
        self.media: dict[str, tuple[str, bytes]] = {}  # name → (content type, content)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> "FakeTwilio":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def refuse_next(self, *codes: int) -> None:
        self.refusals.extend(codes)

    def media_url(self, name: str) -> str:
        return (f"{self.url}/2010-04-01/Accounts/{self.account_sid}/Messages/"
                f"MM{uuid.uuid4().hex}/Media/{name}")

    @property
    def creates(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST"
                and r.path.endswith("/Messages.json")]

    # --- the answers -------------------------------------------------------------------

    def answer(self, request: Recorded) -> tuple[int, str, bytes]:
        with self._lock:
            self.requests.append(request)
        if not self._authorised(request):
            return self._error(20003)
        messages_path = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        if request.method == "POST" and request.path == messages_path:
            return self._create(request)
        if request.method == "GET" and "/Media/" in request.path:
            name = request.path.rsplit("/", 1)[1]
            if name in self.media:
                # Twilio answers a media URL with a redirect to its file store.
                return 307, "redirect:" + f"/files/{name}", b""
        if request.method == "GET" and request.path.startswith("/files/"):
            name = request.path.removeprefix("/files/")
            if name in self.media:
                content_type, content = self.media[name]
                return 200, content_type, content
        return 404, "application/json", json.dumps({
            "code": 20404, "message": "The requested resource was not found",
            "more_info": "https://www.twilio.com/docs/errors/20404", "status": 404}).encode()

    def _authorised(self, request: Recorded) -> bool:
        if request.path.startswith("/files/"):
            return True  # the file store's URLs are pre-signed: no credentials
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return request.headers.get("authorization") == f"Basic {expected}"

    def _create(self, request: Recorded) -> tuple[int, str, bytes]:
        with self._lock:
            refusal = self.refusals.pop(0) if self.refusals else None
        if refusal is not None:
            return self._error(refusal)
        sender = request.value("From") or ""
        if sender.startswith("rcs:") and not self.rcs_capable:
            return self._error(63106)
        sid = f"SM{uuid.uuid4().hex}"
        now = formatdate(usegmt=True)
        message = {
            "account_sid": self.account_sid, "api_version": "2010-04-01",
            "body": request.value("Body"), "date_created": now, "date_sent": None,
            "date_updated": now, "direction": "outbound-api", "error_code": None,
            "error_message": None, "from": sender or None,
            "messaging_service_sid": request.value("MessagingServiceSid"),
            "num_media": "0", "num_segments": "1", "price": None, "price_unit": "USD",
            "sid": sid, "status": "accepted" if request.value("MessagingServiceSid")
            else "queued", "to": request.value("To"),
            "subresource_uris": {"media": f"/2010-04-01/Accounts/{self.account_sid}/Messages/"
                                          f"{sid}/Media.json"},
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
        }
        return 201, "application/json", json.dumps(message).encode()

    def _error(self, code: int) -> tuple[int, str, bytes]:
        status, message = ERRORS[code]
        return status, "application/json", json.dumps({
            "code": code, "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status,
        }).encode()


def _handler(fake: FakeTwilio):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def do_GET(self):
            self._serve(b"")

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            self._serve(self.rfile.read(length))

        def _serve(self, body: bytes):
            parts = urlsplit(self.path)
            request = Recorded(
                method=self.command, path=parts.path,
                headers={name.lower(): value for name, value in self.headers.items()},
                form=parse_qs(body.decode(), keep_blank_values=True) if body else {})
            status, content_type, content = fake.answer(request)
            self.send_response(status)
            if content_type.startswith("redirect:"):
                self.send_header("Location", content_type.removeprefix("redirect:"))
                content = b""
            else:
                self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

    return Handler
