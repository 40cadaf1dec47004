"""Raw RFC 822 bytes → what Threadline stores of an inbound e-mail.

Pure functions over the standard library's ``email`` package and nh3: no network, no models.
Mail in the wild is broken in every way, so ``parse_email`` never raises on odd input; it
keeps what it can and lists what was odd in ``problems``. Only bytes that are not an e-mail
at all raise ``UnparseableEmail``.
"""

import base64
import codecs
import email
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.generator import BytesGenerator
from email.header import decode_header, make_header
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from io import BytesIO

from .html_text import html_to_text, sanitise_html
from .quotes import trim_quoted

MiB = 1024 * 1024
MAX_DEPTH = 20  # MIME nesting deeper than this is an attack, not a mail client
MAX_STRUCTURED_HEADER = 2000  # longer headers are read with the simple parsers only


class _GuardedHeaders(HeaderRegistry):
    """The stdlib's header classes, fed at most MAX_STRUCTURED_HEADER characters: its
    structured parser is quadratic or recursive on hostile values (20 KB of quotes take
    seconds, nested comments exhaust the stack), and the MIME parser itself reads headers."""

    def __init__(self):
        super().__init__()
        self._classes = {}

    def __getitem__(self, name):
        # The stdlib builds a new class at every call (30 µs); one per header name will do.
        key = name.lower()
        if key not in self._classes:
            self._classes[key] = super().__getitem__(name)
        return self._classes[key]

    def __call__(self, name, value):
        value = value[:MAX_STRUCTURED_HEADER]
        try:
            return super().__call__(name, value)
        except Exception:
            return self["x-unparseable"](name, " ".join(value.split()))


_ABSENT = object()


class _ReadOnceMessage(EmailMessage):
    """Parses each header once. The stdlib parses a header again at every read, and a part's
    Content-Type is read a dozen times (type, charset, filename, disposition…): that was
    half the time of parsing a mail."""

    def get(self, name, failobj=None):
        cache = self.__dict__.setdefault("_parsed_headers", {})
        key = name.lower()
        if key not in cache:
            cache[key] = super().get(name, _ABSENT)
        value = cache[key]
        return failobj if value is _ABSENT else value

    def __setitem__(self, name, value):
        self.__dict__.pop("_parsed_headers", None)
        super().__setitem__(name, value)

    def __delitem__(self, name):
        self.__dict__.pop("_parsed_headers", None)
        super().__delitem__(name)

    def replace_header(self, name, value):
        self.__dict__.pop("_parsed_headers", None)
        super().replace_header(name, value)

    def set_raw(self, name, value):
        self.__dict__.pop("_parsed_headers", None)
        super().set_raw(name, value)


POLICY = policy.default.clone(header_factory=_GuardedHeaders(),
                              message_factory=_ReadOnceMessage)


class UnparseableEmail(ValueError):
    """The bytes are not an e-mail at all: no sender, and no headers or no body."""


@dataclass(frozen=True)
class EmailAttachment:
    """Shaped like ``inbox.actions.messages.NewAttachment``, plus the part's Content-ID."""

    filename: str
    content: bytes
    content_type: str = "application/octet-stream"
    inline: bool = False
    content_id: str = ""


@dataclass(frozen=True)
class SkippedAttachment:
    filename: str
    content_type: str
    size: int
    reason: str


@dataclass(frozen=True)
class ParsedEmail:
    message_id: str
    from_address: str
    from_name: str = ""
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    subject: str = ""
    date: datetime | None = None
    text: str = ""
    text_trimmed: str = ""
    html: str = ""
    attachments: list[EmailAttachment] = field(default_factory=list)
    skipped_attachments: list[SkippedAttachment] = field(default_factory=list)
    automatic: bool = False
    automatic_reason: str = ""
    problems: list[str] = field(default_factory=list)


def parse_email(
    raw: bytes, *, max_attachment_bytes: int = 25 * MiB, max_total_bytes: int = 40 * MiB
) -> ParsedEmail:
    problems: list[str] = []
    message = email.message_from_bytes(bytes(raw), policy=POLICY)
    headers = _Headers(message, problems)
    walk = _Walk(problems)
    walk.visit(message, depth=0)

    from_name, from_address = headers.sender()
    text = _normalise_text("\n\n".join(walk.plain))
    raw_html = "".join(walk.html)
    if not text and raw_html:
        text = html_to_text(_fix_str(raw_html))
    has_body = bool(text.strip() or raw_html.strip() or walk.parts)
    if not from_address and not (has_body and headers.any_header()):
        if not raw.strip():
            raise UnparseableEmail("The input is empty.")
        if not headers.any_header():
            raise UnparseableEmail("No e-mail header found: this is not an RFC 822 message.")
        raise UnparseableEmail("The message has neither a sender nor a body.")

    html = sanitise_html(_fix_str(raw_html), problems) if raw_html.strip() else ""
    attachments, skipped = walk.attachments(raw_html, max_attachment_bytes, max_total_bytes)
    automatic_reason = _automatic_reason(message, headers, from_address)
    return ParsedEmail(
        message_id=headers.message_id(raw),
        in_reply_to=(headers.message_ids("In-Reply-To") or [None])[0],
        references=headers.message_ids("References"),
        from_address=from_address,
        from_name=from_name,
        to=[address for _, address in headers.addresses("To")],
        cc=[address for _, address in headers.addresses("Cc")],
        subject=headers.text("Subject"),
        date=headers.date(),
        text=text,
        text_trimmed=trim_quoted(text),
        html=html,
        attachments=attachments,
        skipped_attachments=skipped,
        automatic=bool(automatic_reason),
        automatic_reason=automatic_reason,
        problems=list(dict.fromkeys(problems)),
    )


# Headers ---------------------------------------------------------------------------------

ADDR_SPEC = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
ADDRESS_TOKEN_SEPARATORS = re.compile(r"[\s<>,;:\"()\[\]]+")
MSG_ID = re.compile(r"<([^<>\s]+)>")


def _fix_str(value: str) -> str:
    """Undo surrogate escapes (raw 8-bit bytes in headers) as UTF-8, else Windows-1252."""
    value = str(value).replace("\x00", "")
    if not re.search("[\udc80-\udcff]", value):
        return value
    as_bytes = value.encode("utf-8", "surrogateescape")
    try:
        return as_bytes.decode("utf-8")
    except UnicodeDecodeError:
        return as_bytes.decode("cp1252", "replace")


class _Headers:
    def __init__(self, message: EmailMessage, problems: list[str]):
        self.message, self.problems = message, problems

    def any_header(self) -> bool:
        return bool(self.message.keys())

    def _raw(self, name: str) -> str | None:
        for key, value in self.message.raw_items():
            if key.lower() == name.lower():
                return _fix_str(value)
        return None

    def _parsed(self, name: str):
        """The policy's header object, or None; a header the parser chokes on is a problem."""
        if len(self._raw(name) or "") > MAX_STRUCTURED_HEADER:
            self.problems.append(f"The {name} header is very long; it was read leniently.")
            return None
        try:
            header = self.message.get(name)
        except Exception as error:  # the header parser has crashed on hostile input before
            self.problems.append(f"Malformed {name} header ignored ({type(error).__name__}).")
            return None
        if header is not None and getattr(header, "defects", ()):
            self.problems.append(f"Malformed {name} header: {header.defects[0]}")
        return header

    def text(self, name: str) -> str:
        header = self._parsed(name)
        if header is None:
            raw = self._raw(name) or ""
            try:
                raw = str(make_header(decode_header(raw)))
            except Exception:
                pass
            return " ".join(_fix_str(raw).split())
        return " ".join(_fix_str(header).split())

    def addresses(self, name: str) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        header = self._parsed(name)
        for address in getattr(header, "addresses", ()) or ():
            spec = _fix_str(address.addr_spec).lower()
            if ADDR_SPEC.fullmatch(spec):
                found.append((_fix_str(address.display_name).strip(), spec))
        raw = self._raw(name)
        if not found and raw:
            # The strict parser found nothing usable: fall back to the lenient one, then
            # to any address-shaped token (``"Bob <bob@example.com`` still names Bob).
            try:
                lenient = getaddresses([raw])
            except Exception:  # RecursionError on deeply nested comments
                lenient = []
            for display_name, spec in lenient:
                if ADDR_SPEC.fullmatch(spec.strip()):
                    found.append((display_name.strip(), spec.strip().lower()))
            if not found:
                found = [("", token.lower()) for token in ADDRESS_TOKEN_SEPARATORS.split(raw)
                         if ADDR_SPEC.fullmatch(token)]
                name_part = raw.split("<")[0].strip().strip('"').strip()
                if found and name_part and "@" not in name_part:
                    found[0] = (name_part, found[0][1])
        return list(dict.fromkeys(found))

    def sender(self) -> tuple[str, str]:
        for name in ("From", "Sender", "Reply-To", "Return-Path"):
            found = self.addresses(name)
            if found:
                if name != "From":
                    self.problems.append(f"No usable From address; used {name}.")
                return found[0]
        self.problems.append("No usable From address.")
        return "", ""

    def message_ids(self, name: str) -> list[str]:
        raw = self._raw(name) or ""
        ids = MSG_ID.findall(raw) or raw.split()
        return list(dict.fromkeys(i for i in ids if len(i) <= 255))

    def message_id(self, raw: bytes) -> str:
        ids = self.message_ids("Message-ID")
        if ids:
            return ids[0]
        self.problems.append("No Message-ID: one was made from a hash of the message.")
        return f"{hashlib.sha256(raw).hexdigest()[:40]}@threadline.invalid"

    def date(self) -> datetime | None:
        raw = self._raw("Date")
        if raw is None:
            self.problems.append("No Date header.")
            return None
        try:
            value = parsedate_to_datetime(raw.strip())
        except (TypeError, ValueError, IndexError, OverflowError):
            self.problems.append(f"Unreadable Date header: {raw[:80]!r}")
            return None
        return value if value.tzinfo else value.replace(tzinfo=UTC)


# Automatic mail (RFC 3834 auto-replies, RFC 3464 bounces, RFC 2369/2919 list traffic) -----

def _automatic_reason(message: EmailMessage, headers: _Headers, from_address: str) -> str:
    def value(name: str) -> str:
        return (headers._raw(name) or "").split(";")[0].strip().lower()

    auto_submitted = value("Auto-Submitted")
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if headers._raw(name) is not None and value(name) not in ("no", "false", "0"):
            return f"{name} header"
    if value("Precedence") in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {value('Precedence')}"
    for name in ("List-Id", "List-Unsubscribe"):
        if headers._raw(name) is not None:
            return f"mailing list ({name} header)"
    if _content_type(message) == "multipart/report":
        return "delivery or read report (multipart/report)"
    if headers._raw("X-Failed-Recipients") is not None:
        return "bounce (X-Failed-Recipients header)"
    if from_address.split("@")[0] in ("mailer-daemon", "postmaster"):
        return f"system sender {from_address}"
    return ""


# Body and attachments ---------------------------------------------------------------------

def _content_type(part) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "application/octet-stream"


def _header_param(part, call, default=None):
    try:
        return call(part)
    except Exception:
        return default


class _Walk:
    """Collects the body text and HTML, and the attachments, of a message tree."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        self.plain: list[str] = []
        self.html: list[str] = []
        self.parts: list[tuple[EmailMessage, str, bytes]] = []  # part, content type, content

    def visit(self, part, *, depth: int) -> None:
        content_type = _content_type(part)
        if depth > MAX_DEPTH:
            self.problems.append("MIME nesting too deep: the innermost parts were ignored.")
            return
        if content_type.startswith("message/"):
            self._keep(part, content_type, _message_bytes(part))
            return
        if part.is_multipart():
            self.problems.extend(_defect(d) for d in part.defects)
            for sub in part.get_payload():
                self.visit(sub, depth=depth + 1)
            return
        try:
            content = _decode_payload(part, self.problems)
        except Exception as error:
            self.problems.append(f"Undecodable {content_type} part ({type(error).__name__}).")
            content = b""
        self.problems.extend(_defect(d) for d in part.defects)
        disposition = _header_param(part, lambda p: p.get_content_disposition())
        filename = _header_param(part, lambda p: p.get_filename())
        if content_type in ("text/plain", "text/html") and disposition != "attachment" \
                and not filename:
            body = self._decode(part, content, content_type)
            (self.plain if content_type == "text/plain" else self.html).append(body)
        else:
            self._keep(part, content_type, content)

    def _keep(self, part, content_type: str, content: bytes) -> None:
        self.parts.append((part, content_type, content))

    def _decode(self, part, content: bytes, content_type: str) -> str:
        label = (_header_param(part, lambda p: p.get_content_charset()) or "").strip()
        try:
            codec = codecs.lookup(label).name if label else None
        except Exception:
            codec = None
            self.problems.append(f"Unknown charset {label[:40]!r} in {content_type}: decoded "
                                 "as UTF-8, else Windows-1252, with replacement characters.")
        if codec is not None and codec != "ascii":
            try:
                return content.decode(codec)
            except UnicodeDecodeError:
                self.problems.append(f"{content_type} is not valid {label}: "
                                     "undecodable bytes were replaced.")
                return content.decode(codec, "replace")
            except Exception:  # a codec that is not a text encoding (e.g. "rot13" hacks)
                pass
        try:
            return content.decode("utf-8")
        except UnicodeDecodeError:
            # Undeclared 8-bit text is most often Windows-1252; its few holes are replaced.
            return content.decode("cp1252", "replace")

    def attachments(self, html: str, max_each: int, max_total: int):
        kept: list[EmailAttachment] = []
        skipped: list[SkippedAttachment] = []
        total = 0
        for number, (part, content_type, content) in enumerate(self.parts, start=1):
            content_id = _fix_str(_header_param(part, lambda p: p.get("Content-ID")) or "")
            content_id = content_id.strip().strip("<>").strip()
            filename = safe_filename(
                _header_param(part, lambda p: p.get_filename()) or _message_subject(part),
                content_type, number,
            )
            reason = ""
            if len(content) > max_each:
                reason = f"larger than {max_each} bytes"
            elif total + len(content) > max_total:
                reason = f"the message's attachments exceed {max_total} bytes in total"
            if reason:
                skipped.append(SkippedAttachment(filename, content_type, len(content), reason))
                continue
            total += len(content)
            disposition = _header_param(part, lambda p: p.get_content_disposition())
            inline = bool(content_id and f"cid:{content_id}" in html) or (
                disposition == "inline" and content_type.startswith("image/"))
            kept.append(EmailAttachment(filename, content, content_type, inline, content_id))
        return kept, skipped


def _defect(defect) -> str:
    return f"{type(defect).__name__}: {defect}" if str(defect) else type(defect).__name__


def _decode_payload(part, problems: list[str]) -> bytes:
    """The part's bytes. Base64 is decoded here, leniently: a body cut short, stripped of its
    padding or made of several padded chunks keeps every whole group, where the standard
    library would hand back the base64 text itself."""
    payload = part.get_payload()
    cte = str(part.get("Content-Transfer-Encoding") or "").strip().lower()
    if cte != "base64" or not isinstance(payload, str):
        return part.get_payload(decode=True) or b""
    cleaned = re.sub(rb"[^A-Za-z0-9+/=]", b"", payload.encode("ascii", "replace"))
    decoded = bytearray()
    for chunk in re.split(rb"=+", cleaned):
        chunk = chunk[: len(chunk) - (len(chunk) % 4 == 1)]
        decoded += base64.b64decode(chunk + b"=" * (-len(chunk) % 4))
    if base64.b64encode(decoded) != cleaned:
        problems.append("A base64 part was badly padded or cut short; decoded as far as possible.")
    return bytes(decoded)


def _message_bytes(part) -> bytes:
    """The body of a message/* part (a forwarded message, a delivery status) as bytes."""
    out = BytesIO()
    try:
        generator_policy = policy.default.clone(refold_source="none", max_line_length=0)
        BytesGenerator(out, mangle_from_=False, policy=generator_policy).flatten(part)
    except Exception:
        return b""
    serialised = out.getvalue()
    for separator in (b"\r\n\r\n", b"\n\n"):
        if separator in serialised:
            return serialised.split(separator, 1)[1]
    return b""


def _message_subject(part) -> str:
    if _content_type(part) not in ("message/rfc822", "message/global"):
        return ""
    try:
        inner = part.get_payload(0)
        return f"{' '.join(str(inner.get('Subject', '')).split())[:100] or 'message'}.eml"
    except Exception:
        return "message.eml"


UNSAFE_IN_FILENAME = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')


def safe_filename(name: str | None, content_type: str, number: int) -> str:
    """A file name safe to store and to offer for download: never a path, never hidden."""
    name = _fix_str(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = UNSAFE_IN_FILENAME.sub("_", name).strip().lstrip(".").strip()
    if len(name) > 200:
        stem, dot, extension = name.rpartition(".")
        name = f"{stem[:190]}.{extension[:9]}" if dot and len(extension) < 10 else name[:200]
    if not name:
        extension = mimetypes.guess_extension(content_type) or (
            ".txt" if content_type.split("/")[0] in ("text", "message") else ".bin")
        name = f"attachment-{number}{extension}"
    return name


# Text and HTML ---------------------------------------------------------------------------

def _normalise_text(text: str) -> str:
    return _fix_str(text.replace("\r\n", "\n").replace("\r", "\n")).strip("\n")
