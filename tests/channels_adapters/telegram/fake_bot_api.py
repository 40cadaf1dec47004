"""A fake Telegram Bot API on 127.0.0.1, for python-telegram-bot pointed at it.

It speaks the Bot API's wire format (https://core.telegram.org/bots/api#making-requests):
``POST /bot<token>/<method>`` with form-encoded or multipart parameters, answered with
``{"ok": true, "result": …}`` or ``{"ok": false, "error_code", "description",
"parameters"}``; files are served at ``/file/bot<token>/<file_path>``. Every request is
recorded. ``fail_next`` makes the next calls answer an error, as Telegram would.
"""

import email.parser
import email.policy
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote

BOT_USER = {"id": 7000001, "is_bot": True, "first_name": "Threadline", "username": "tl_bot"}

# Telegram's own answers for the errors tests ask for.
ERRORS = {
    500: {"error_code": 500, "description": "Internal Server Error"},
    403: {"error_code": 403, "description": "Forbidden: bot was blocked by the user"},
    429: {"error_code": 429, "description": "Too Many Requests: retry after 3",
          "parameters": {"retry_after": 3}},
    400: {"error_code": 400, "description": "Bad Request: chat not found"},
}


@dataclass
class Call:
    method: str
    token: str
    params: dict[str, str]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)


@dataclass
class StoredFile:
    file_path: str
    content: bytes
    reported_size: int | None = None


class FakeBotApi:
    def __init__(self, token: str):
        self.token = token
        self.calls: list[Call] = []
        self.downloads: list[str] = []
        self.files: dict[str, StoredFile] = {}
        self.webhook: dict = {}
        self._failures: list[list] = []  # [method or None, status, calls to let through]
        self._next_message_id = 100
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # --- what tests use ---------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    def start(self) -> "FakeBotApi":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def add_file(self, file_id: str, content: bytes, file_path: str,
                 reported_size: int | None = None) -> None:
        self.files[file_id] = StoredFile(file_path, content, reported_size)

    def fail_next(self, status: int, *, method: str | None = None, times: int = 1,
                  after: int = 0) -> None:
        """The next ``times`` calls (of ``method``, or any) answer Telegram's error, once
        ``after`` of them went through."""
        with self._lock:
            self._failures.append([method, status, after])
            self._failures += [[method, status, 0] for _ in range(times - 1)]

    def calls_of(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    # --- the API ----------------------------------------------------------------------

    def _answer(self, call: Call) -> tuple[int, dict]:
        with self._lock:
            self.calls.append(call)
            for index, (method, status, let_through) in enumerate(self._failures):
                if method not in (None, call.method):
                    continue
                if let_through:
                    self._failures[index][2] -= 1
                    break
                del self._failures[index]
                return status, {"ok": False, **ERRORS[status]}
        if call.token != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        handler = getattr(self, f"_api_{call.method}", None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        return handler(call)

    def _api_getMe(self, call):
        return 200, {"ok": True, "result": BOT_USER}

    def _sent(self, call: Call, **content) -> tuple[int, dict]:
        with self._lock:
            self._next_message_id += 1
            message_id = self._next_message_id
        chat_id = int(call.params["chat_id"])
        chat = {"id": chat_id, "type": "private" if chat_id > 0 else "group"}
        return 200, {"ok": True, "result": {"message_id": message_id, "date": int(time.time()),
                                            "chat": chat, "from": BOT_USER, **content}}

    def _api_sendMessage(self, call):
        return self._sent(call, text=call.params["text"])

    def _api_sendPhoto(self, call):
        name, content = call.files["photo"]
        size = {"file_id": f"sent-{len(content)}", "file_unique_id": "u1", "width": 1,
                "height": 1, "file_size": len(content)}
        return self._sent(call, photo=[size], caption=call.params.get("caption"))

    def _api_sendDocument(self, call):
        name, content = call.files["document"]
        return self._sent(call, document={"file_id": "sent-doc", "file_unique_id": "u2",
                                          "file_name": name, "file_size": len(content)},
                          caption=call.params.get("caption"))

    def _api_getFile(self, call):
        stored = self.files.get(call.params.get("file_id", ""))
        if stored is None:
            return 400, {"ok": False, "error_code": 400,
                         "description": "Bad Request: invalid file_id"}
        return 200, {"ok": True, "result": {
            "file_id": call.params["file_id"], "file_unique_id": f"u-{call.params['file_id']}",
            "file_size": stored.reported_size or len(stored.content),
            "file_path": stored.file_path}}

    def _api_setWebhook(self, call):
        self.webhook = {"url": call.params["url"],
                        "secret_token": call.params.get("secret_token"),
                        "allowed_updates": json.loads(call.params.get("allowed_updates",
                                                                      "[]"))}
        return 200, {"ok": True, "result": True, "description": "Webhook was set"}

    def _api_deleteWebhook(self, call):
        self.webhook = {}
        return 200, {"ok": True, "result": True, "description": "Webhook was deleted"}

    def _api_getWebhookInfo(self, call):
        return 200, {"ok": True, "result": {
            "url": self.webhook.get("url", ""), "has_custom_certificate": False,
            "pending_update_count": 0,
            **({"allowed_updates": self.webhook["allowed_updates"]} if self.webhook else {})}}

    def _download(self, token: str, file_path: str) -> tuple[int, bytes]:
        self.downloads.append(file_path)
        if token != self.token:
            return 401, b"Unauthorized"
        for stored in self.files.values():
            if stored.file_path == file_path:
                return 200, stored.content
        return 404, b"Not Found"

    def _handler(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self._route(b"")

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                self._route(self.rfile.read(length))

            def _route(self, body: bytes):
                path = unquote(self.path.split("?", 1)[0])
                if path.startswith("/file/bot"):
                    token, _, file_path = path[len("/file/bot"):].partition("/")
                    status, content = api._download(token, file_path)
                    return self._reply(status, content, "application/octet-stream")
                if not path.startswith("/bot"):
                    return self._reply(404, b"Not Found", "text/plain")
                token, _, method = path[len("/bot"):].partition("/")
                params, files = _parameters(self.headers.get("Content-Type", ""), body)
                status, answer = api._answer(Call(method, token, params, files))
                self._reply(status, json.dumps(answer).encode(), "application/json")

            def _reply(self, status: int, content: bytes, content_type: str):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def log_message(self, *args):  # keep the test output quiet
                pass

        return Handler


def _parameters(content_type: str, body: bytes) -> tuple[dict[str, str], dict]:
    """The Bot API's two request encodings: form fields, or multipart with files."""
    if content_type.startswith("multipart/form-data"):
        document = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body)
        params, files = {}, {}
        for part in document.iter_parts():
            name = part.get_param("name", header="content-disposition")
            filename = part.get_filename()
            content = part.get_payload(decode=True) or b""
            if filename is not None:
                files[name] = (filename, content)
            else:
                params[name] = content.decode()
        return params, files
    return dict(parse_qsl(body.decode())), {}
