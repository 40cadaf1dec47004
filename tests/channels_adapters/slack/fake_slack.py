"""A fake Slack Web API on 127.0.0.1 for slack-sdk's WebClient.

It checks the Bearer token, records every call (method, arguments, headers), and answers
as Slack does: ``{"ok": true, ...}`` documents, ``{"ok": false, "error": ...}`` for refusals,
HTTP 429 with Retry-After when rate limiting, HTTP 500 when broken. Failures are asked for
with ``fail(method, ...)``. It also serves ``url_private`` file downloads and the upload
URLs of files.getUploadURLExternal.
"""

import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Call:
    method: str
    args: dict
    headers: dict


@dataclass
class Failure:
    status: int = 200
    error: str = ""
    retry_after: int = 0
    times: int = 1


@dataclass
class FakeSlack:
    token: str
    users: dict = field(default_factory=dict)
    files: dict = field(default_factory=dict)
    calls: list = field(default_factory=list)
    uploads: dict = field(default_factory=dict)
    failures: dict = field(default_factory=dict)
    port: int = 0

    def __post_init__(self):
        self._ts = itertools.count(1)
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def file_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/files-pri/{name}"

    def fail(self, method: str, *, status: int = 200, error: str = "", retry_after: int = 0,
             times: int = 1) -> None:
        """The next ``times`` calls of ``method`` fail (times=-1: every call)."""
        self.failures[method] = Failure(status, error, retry_after, times)

    def calls_of(self, method: str) -> list[Call]:
        return [call for call in list(self.calls) if call.method == method]

    def next_ts(self) -> str:
        with self._lock:
            return f"1700000000.{next(self._ts):06d}"

    def _failure(self, method: str) -> Failure | None:
        with self._lock:
            failure = self.failures.get(method)
            if failure is None or failure.times == 0:
                return None
            if failure.times > 0:
                failure.times -= 1
            return failure

    def answer(self, method: str, args: dict) -> dict:
        if method == "chat.postMessage":
            ts = self.next_ts()
            return {"ok": True, "channel": args["channel"], "ts": ts,
                    "message": {"type": "message", "text": args.get("text", ""), "ts": ts,
                                "bot_id": "B0BOT"}}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + args["users"]}}
        if method == "users.info":
            user = self.users.get(args.get("user"))
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": user}
        if method == "files.getUploadURLExternal":
            file_id = f"F{len(self.uploads) + 1:04d}"
            self.uploads[file_id] = {"filename": args.get("filename"), "content": None}
            return {"ok": True, "file_id": file_id,
                    "upload_url": f"http://127.0.0.1:{self.port}/upload/v1/{file_id}"}
        if method == "files.completeUploadExternal":
            files = args["files"] if isinstance(args["files"], list) else json.loads(
                args["files"])
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")}
                                          for f in files]}
        return {"ok": False, "error": "unknown_method"}


def user(user_id: str, name: str, email: str = "", display_name: str = "") -> dict:
    """A users.info ``user`` object as Slack documents it."""
    profile = {"real_name": name, "display_name": display_name or name.split()[0]}
    if email:
        profile["email"] = email
    return {"id": user_id, "team_id": "T0001", "name": name.lower().replace(" ", "."),
            "real_name": name, "is_bot": False, "deleted": False, "profile": profile}


def _handler(fake: FakeSlack):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _reply(self, status: int, body: bytes, content_type="application/json",
                   headers=None):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, document: dict, headers=None):
            self._reply(status, json.dumps(document).encode(), headers=headers)

        def _authorised(self) -> bool:
            return self.headers.get("Authorization") == f"Bearer {fake.token}"

        def do_GET(self):
            url = urlsplit(self.path)
            if url.path.startswith("/files-pri/"):
                name = url.path.removeprefix("/files-pri/")
                fake.calls.append(Call("file-download", {"name": name}, dict(self.headers)))
                if not self._authorised():
                    return self._reply(403, b"forbidden", "text/plain")
                if name not in fake.files:
                    return self._reply(404, b"not found", "text/plain")
                return self._reply(200, fake.files[name], "application/octet-stream")
            self._api(url.path, dict(parse_qsl(url.query)))

        def do_POST(self):
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if url.path.startswith("/upload/v1/"):
                file_id = url.path.removeprefix("/upload/v1/")
                fake.calls.append(Call("upload", {"file_id": file_id, "size": len(body)},
                                       dict(self.headers)))
                fake.uploads[file_id]["content"] = body
                return self._reply(200, f"OK - {len(body)}".encode(), "text/plain")
            args = dict(parse_qsl(url.query))
            content_type = self.headers.get("Content-Type", "")
            if "json" in content_type:
                args.update(json.loads(body or b"{}"))
            elif body:
                args.update(parse_qsl(body.decode()))
            self._api(url.path, args)

        def _api(self, path: str, args: dict):
            method = path.removeprefix("/api/")
            fake.calls.append(Call(method, args, dict(self.headers)))
            if not self._authorised():
                return self._json(200, {"ok": False, "error": "invalid_auth"})
            failure = fake._failure(method)
            if failure is not None:
                if failure.status == 429:
                    return self._json(429, {"ok": False, "error": "ratelimited"},
                                      {"Retry-After": str(failure.retry_after or 30)})
                if failure.status >= 500:
                    return self._reply(failure.status, b"<html>Internal Error</html>",
                                       "text/html")
                return self._json(200, {"ok": False, "error": failure.error})
            self._json(200, fake.answer(method, args))

    return Handler


class FakeSlackServer:
    def __init__(self, fake: FakeSlack):
        self.fake = fake
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
        self.server.daemon_threads = True
        fake.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeSlack:
        self.thread.start()
        return self.fake

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
