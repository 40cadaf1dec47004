"""Reading a provider's file within a size limit, without holding more than the limit."""

import httpx


class TooLarge(Exception):
    """The file is larger than the limit; ``size`` is what was declared or read so far."""

    def __init__(self, size: int):
        super().__init__(f"{size} bytes")
        self.size = size


def read_limited(response: httpx.Response, limit: int) -> bytes:
    """The body of a streamed response; TooLarge from the declared length, or as soon as
    the bytes read pass ``limit``."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(int(declared))
    content = bytearray()
    for chunk in response.iter_bytes():
        content += chunk
        if len(content) > limit:
            raise TooLarge(len(content))
    return bytes(content)
