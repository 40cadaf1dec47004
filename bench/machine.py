"""What a benchmark ran on, in one line (cores, memory, Python, load, PostgreSQL with its
fsync setting, Redis), so that figures from different machines are never read as alike."""

import os
import platform

GIB = 1024**3


def _postgresql(database_url: str) -> str:
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    # The server's own database: the benchmark's may not exist yet.
    params = {**conninfo_to_dict(database_url), "dbname": "postgres", "connect_timeout": 5}
    with psycopg.connect(**params) as connection:
        version = connection.execute("SHOW server_version").fetchone()[0].split()[0]
        fsync = connection.execute("SHOW fsync").fetchone()[0]
    return f"PostgreSQL {version} (fsync {fsync})"


def _redis(redis_url: str) -> str:
    import redis

    client = redis.Redis.from_url(redis_url, socket_connect_timeout=5)
    try:
        return f"Redis {client.info('server')['redis_version']}"
    finally:
        client.close()


def describe_machine(database_url: str | None = None, redis_url: str | None = None) -> str:
    """"2 cores, 24 GiB RAM, Linux 6.1, Python 3.11.7, load average 0.4, PostgreSQL 15.20
    (fsync on), Redis 7.0.15"; a server that cannot be reached is said so, not raised."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GIB
    parts = [f"{os.cpu_count()} cores", f"{memory:.0f} GiB RAM",
             f"{platform.system()} {platform.release().split('-')[0]}",
             f"Python {platform.python_version()}",
             # How busy the shared machine was as the benchmark began.
             f"load average {os.getloadavg()[0]:.1f}"]
    database_url = database_url or os.environ.get("DATABASE_URL")
    redis_url = redis_url or os.environ.get("REDIS_URL")
    for name, url, describe in (("PostgreSQL", database_url, _postgresql),
                                ("Redis", redis_url, _redis)):
        try:
            parts.append(describe(url) if url else f"{name} not configured")
        except Exception as error:  # a description, never a failure
            parts.append(f"{name} unreachable ({type(error).__name__})")
    return ", ".join(parts)


if __name__ == "__main__":
    print(describe_machine())
