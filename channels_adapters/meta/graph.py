"""A small Graph API client: the calls our Meta adapters make, and Meta's errors.

The token travels in the ``Authorization`` header, never in a URL, so that httpx's request
log (it logs URLs at INFO) never shows it.
"""

import httpx

from ..downloads import TooLarge, read_limited

DEFAULT_BASE_URL = "https://graph.facebook.com"
DEFAULT_VERSION = "v21.0"
TIMEOUT = httpx.Timeout(20.0, connect=5.0)


class GraphError(Exception):
    """Meta answered with an error (or could not be reached: ``status`` is None)."""

    def __init__(self, message: str, *, status: int | None = None, code: int | None = None,
                 subcode: int | None = None, details: str = ""):
        super().__init__(message)
        self.message, self.status, self.code = message, status, code
        self.subcode, self.details = subcode, details

    @classmethod
    def from_response(cls, response: httpx.Response) -> "GraphError":
        try:
            error = response.json().get("error") or {}
        except (ValueError, AttributeError):
            error = {}
        if not isinstance(error, dict):
            error = {}
        error_data = error.get("error_data")
        details = error_data.get("details", "") if isinstance(error_data, dict) else ""
        return cls(str(error.get("message") or f"HTTP {response.status_code}"),
                   status=response.status_code, code=_int_or_none(error.get("code")),
                   subcode=_int_or_none(error.get("error_subcode")), details=str(details))


MediaTooLarge = TooLarge  # a file past the limit, found out without reading more


class GraphClient:
    """The Graph API as one channel's token sees it."""

    def __init__(self, *, token: str, base_url: str = DEFAULT_BASE_URL,
                 version: str = DEFAULT_VERSION):
        self.token = token
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.root = f"{self.base_url}/{version or DEFAULT_VERSION}"

    @classmethod
    def for_channel(cls, channel) -> "GraphClient":
        settings = channel.settings or {}
        return cls(token=(channel.secrets or {}).get("access_token", ""),
                   base_url=settings.get("graph_base_url") or DEFAULT_BASE_URL,
                   version=settings.get("graph_version") or DEFAULT_VERSION)

    def get(self, path: str, params: dict | None = None) -> dict:
        return self._call("GET", f"{self.root}/{path}", params=params)

    def get_url(self, url: str) -> dict:
        """An absolute URL Meta gave us (``paging.next``): only on the Graph API's own host,
        so the token is never sent anywhere else."""
        if not url.startswith(self.base_url + "/"):
            raise GraphError(f"refusing to follow a link off the Graph API: {url[:100]}")
        return self._call("GET", url)

    def post(self, path: str, *, json: dict | None = None, data: dict | None = None,
             files: dict | None = None) -> dict:
        return self._call("POST", f"{self.root}/{path}", json=json, data=data, files=files)

    def download(self, url: str, *, limit: int, with_token: bool) -> tuple[bytes, str]:
        """The file at ``url`` and its content type; MediaTooLarge past ``limit`` bytes,
        found out without reading more than that."""
        headers = self._headers() if with_token else {}
        try:
            with httpx.Client(timeout=TIMEOUT, follow_redirects=True) as client, \
                    client.stream("GET", url, headers=headers) as response:
                if response.status_code >= 400:
                    response.read()
                    raise GraphError.from_response(response)
                content = read_limited(response, limit)
                content_type = response.headers.get("content-type", "")
                return content, content_type.split(";")[0].strip()
        except httpx.HTTPError as error:
            raise GraphError(f"{type(error).__name__}: {error}") from None

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def _call(self, method: str, url: str, **kwargs) -> dict:
        try:
            with httpx.Client(timeout=TIMEOUT) as client:
                response = client.request(method, url, headers=self._headers(), **kwargs)
        except httpx.HTTPError as error:
            raise GraphError(f"Meta could not be reached ({type(error).__name__})") from None
        if response.status_code >= 400:
            raise GraphError.from_response(response)
        try:
            answer = response.json()
        except ValueError:
            raise GraphError("Meta answered with something that is not JSON",
                             status=response.status_code) from None
        if not isinstance(answer, dict):
            raise GraphError("Meta answered with something that is not an object",
                             status=response.status_code)
        return answer


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
