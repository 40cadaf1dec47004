"""An agent's inbox WebSocket as the browser holds it: the session cookie, the server's own
Origin, ``?after=<last Event id seen>`` when it reconnects; the events it hears, by id."""

import asyncio

import aiohttp


class AgentSocket:
    def __init__(self, server_url: str, cookie: str):
        self.server_url = server_url
        self.cookie = cookie
        self.events: dict[int, dict] = {}
        self.caught_up: int | None = None
        self.close_code: int | None = None
        self._session: aiohttp.ClientSession | None = None
        self._socket: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task | None = None
        self._changed = asyncio.Event()

    @property
    def last_event_id(self) -> int:
        return max(self.events, default=0)

    @property
    def open(self) -> bool:
        return self._reader is not None and not self._reader.done()

    async def connect(self, *, after: int | None = None, attempts: int = 5) -> "AgentSocket":
        """Open the socket; a refused handshake is tried again, as the page does. (Daphne
        refuses one that its application has not accepted within 5 s: a cold server on a
        crowded machine can take that long.)"""
        query = "" if after is None else f"?after={after}"
        url = self.server_url.replace("http://", "ws://") + f"/ws/inbox/{query}"
        self._session = aiohttp.ClientSession()
        for attempt in range(1, attempts + 1):
            try:
                self._socket = await self._session.ws_connect(
                    url, headers={"Origin": self.server_url,
                                  "Cookie": f"sessionid={self.cookie}"},
                    max_msg_size=0, heartbeat=None)
                break
            except aiohttp.WSServerHandshakeError as error:
                if attempt == attempts:
                    await self._session.close()
                    raise AssertionError(f"the socket was refused {attempts} times, last: "
                                         f"{error.status}") from error
                await asyncio.sleep(1.0)
        self.caught_up, self.close_code = None, None
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        async for frame in self._socket:
            if frame.type != aiohttp.WSMsgType.TEXT:
                break
            message = frame.json()
            if message.get("type") == "event":
                self.events[message["event"]["id"]] = message["event"]
            elif message.get("type") == "caught_up":
                self.caught_up = message["last_event_id"]
            self._changed.set()
        self.close_code = self._socket.close_code
        self._changed.set()

    async def wait_for(self, predicate, *, timeout: float, what: str):
        """Until ``predicate()`` holds; the socket closing first fails the wait."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not predicate():
            if not self.open:
                raise AssertionError(f"the socket closed (code {self.close_code}) before "
                                     f"{what}")
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"not within {timeout}s: {what}")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                pass
        return predicate()

    async def wait_closed(self, *, timeout: float) -> bool:
        """Whether the server closed the socket within ``timeout`` seconds."""
        try:
            await asyncio.wait_for(asyncio.shield(self._reader), timeout)
        except TimeoutError:
            return False
        return True

    def received_external_ids(self) -> set[str]:
        return {event["payload"]["message"]["external_id"] for event in self.events.values()
                if event["type"] == "message.received"}

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
