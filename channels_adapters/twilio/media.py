"""MMS media: Twilio's webhook gives URLs, not files. Each is fetched with the account's
credentials (only on Twilio's own API host; the redirect to the file store carries none),
within a size limit. A file that cannot be had becomes a line in the message's text, never
an error that would lose the text with it."""

import mimetypes
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from inbox.actions import NewAttachment

from ..downloads import TooLarge, read_limited
from .redaction import redact, redacting_logger

MAX_MEDIA_BYTES = 5 * 1024 * 1024
TIMEOUT_SECONDS = 20

# httpx logs every request's URL at INFO, and media URLs hold the account SID.
redacting_logger("httpx")


@dataclass(frozen=True)
class MediaItem:
    url: str
    content_type: str


@dataclass(frozen=True)
class Fetched:
    attachments: tuple[NewAttachment, ...]
    problems: tuple[str, ...]  # one readable line per media item not fetched


def fetch_all(items: list[MediaItem], *, auth: tuple[str, str], api_base_url: str) -> Fetched:
    attachments, problems = [], []
    with httpx.Client(follow_redirects=True, timeout=TIMEOUT_SECONDS) as client:
        for number, item in enumerate(items, start=1):
            try:
                content, content_type = _fetch(client, item, _auth_for(item.url, auth,
                                                                       api_base_url))
            except MediaUnavailable as problem:
                problems.append(f"[Media {number} ({item.content_type or 'unknown type'}) "
                                f"could not be fetched: {problem}]")
                continue
            attachments.append(NewAttachment(
                filename=f"media-{number}{_extension(content_type)}", content=content,
                content_type=content_type))
    return Fetched(tuple(attachments), tuple(problems))


class MediaUnavailable(Exception):
    pass


def _fetch(client: httpx.Client, item: MediaItem, auth) -> tuple[bytes, str]:
    try:
        with client.stream("GET", item.url, auth=auth) as response:
            if response.status_code != 200:
                raise MediaUnavailable(f"Twilio answered HTTP {response.status_code}")
            content = read_limited(response, MAX_MEDIA_BYTES)
            content_type = item.content_type or response.headers.get(
                "content-type", "application/octet-stream")
            return content, content_type
    except TooLarge:
        raise MediaUnavailable(_too_large()) from None
    except httpx.HTTPError as error:  # unreachable, timed out, a malformed URL
        raise MediaUnavailable(redact(f"{type(error).__name__}: {error}")) from None


def _auth_for(url: str, auth, api_base_url: str):
    """The credentials go to Twilio's API host only, never to a host a URL names."""
    ours = urlsplit(api_base_url)
    theirs = urlsplit(url)
    return auth if (theirs.scheme, theirs.netloc) == (ours.scheme, ours.netloc) else None


def _too_large() -> str:
    return f"larger than {MAX_MEDIA_BYTES // 2**20} MB"


def _extension(content_type: str) -> str:
    return mimetypes.guess_extension(content_type.split(";")[0].strip()) or ""
