"""The raw baseline of the inbound benchmark: a bare ASGI app, no Django, that does the least
an inbound webhook can do — per POST one INSERT of the body into PostgreSQL and one Redis
PUBLISH of the new row's id, then 200 with that id — so that Threadline's inbound path,
served by the same Daphne on the same machine, can be read as a fraction of what this
hardware allows.

    RAW_BASELINE_CHANNEL=raw-inbound daphne bench.raw_baseline:application

DATABASE_URL names a database holding the table (`create_table`); REDIS_URL the Redis.
"""

import asyncio
import os

from config.daphne_tuning import skip_twisted_form_parsing

TABLE = "raw_inbound"
# Connections per server process; psycopg_pool's default minimum is 4, Daphne one process.
POOL_SIZE = int(os.environ.get("RAW_BASELINE_POOL", "8"))
CHANNEL = os.environ.get("RAW_BASELINE_CHANNEL", "raw-inbound")


def create_table(connection) -> None:
    """The table the app writes into (through anything with ``execute``: a psycopg
    connection or a Django cursor)."""
    connection.execute(f"DROP TABLE IF EXISTS {TABLE}")
    connection.execute(f"CREATE TABLE {TABLE} (id bigserial PRIMARY KEY, body bytea NOT NULL, "
                       "received_at timestamptz NOT NULL DEFAULT now())")


class Pool:
    """A fixed set of autocommit psycopg.AsyncConnection objects, opened on first use
    (Daphne has no lifespan events); psycopg_pool is not a dependency of the project."""

    def __init__(self, conninfo: str, size: int):
        self.conninfo, self.size = conninfo, size
        self.idle: asyncio.Queue | None = None
        self.opening = asyncio.Lock()

    async def _open(self) -> asyncio.Queue:
        import psycopg

        async with self.opening:
            if self.idle is None:
                idle = asyncio.Queue()
                for _ in range(self.size):
                    idle.put_nowait(await psycopg.AsyncConnection.connect(
                        self.conninfo, autocommit=True))
                self.idle = idle
        return self.idle

    async def insert(self, body: bytes) -> int:
        idle = self.idle or await self._open()
        connection = await idle.get()
        try:
            cursor = await connection.execute(
                f"INSERT INTO {TABLE} (body) VALUES (%s) RETURNING id", (body,))
            return (await cursor.fetchone())[0]
        finally:
            idle.put_nowait(connection)


class RawInbound:
    """The ASGI application."""

    def __init__(self):
        self.pool = Pool(os.environ.get("DATABASE_URL", ""), POOL_SIZE)
        self.redis = None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":  # servers that have it: nothing to set up or close
            while (await receive())["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
        if scope["method"] != "POST":
            await self.respond(send, 405, b"POST only")
            return
        body = await self.read_body(receive)
        row_id = await self.pool.insert(body)
        if self.redis is None:
            import redis.asyncio

            self.redis = redis.asyncio.Redis.from_url(os.environ["REDIS_URL"])
        await self.redis.publish(CHANNEL, row_id)
        await self.respond(send, 200, str(row_id).encode())

    @staticmethod
    async def read_body(receive) -> bytes:
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                return b"".join(chunks)

    @staticmethod
    async def respond(send, status: int, body: bytes) -> None:
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"text/plain"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


# The same Daphne as Threadline's, with the same tuning (config/asgi.py applies it too).
skip_twisted_form_parsing()
application = RawInbound()
