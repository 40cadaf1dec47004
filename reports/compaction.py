"""Folding the count rows of one key into one.

Every batch of events inserts count rows of its own (reports/recording.py: an UPDATE of a
shared row would hold it until commit and stall every other transaction counting in it), so
the hourly and daily tables grow by a row per batch and key, and the pages sum more rows as
traffic goes on. Compaction replaces the rows of each key (period, team, channel, agent,
kind) that has several by one row holding their sum. The sums the pages read do not change.

It never waits for a transaction that is counting: on PostgreSQL it is one statement that
deletes the rows it can see and inserts their sums (rows of transactions not yet committed
are left for the next run); on SQLite, where one writer at a time is the rule anyway, the
sums are inserted first and the rows they replace deleted after, in one transaction.
"""

from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from .models import ActivityCount, DailyActivity, HourlyActivity

KEY = ("team_id", "channel_id", "agent_id", "kind")


def compact_activity(*, days: int | None = 2) -> dict[str, int]:
    """Compact the hourly and daily counts of the last ``days`` days (None: all of them);
    the number of rows removed from each table."""
    now = timezone.now()
    since_hour = now - timedelta(days=days) if days is not None else None
    since_day = timezone.localdate(now) - timedelta(days=days) if days is not None else None
    return {
        "hourly": compact(HourlyActivity, "hour", since_hour),
        "daily": compact(DailyActivity, "day", since_day),
    }


def compact(model: type[ActivityCount], period: str, since: datetime | date | None) -> int:
    """Fold the rows of ``model`` whose ``period`` is ``since`` or later (None: every row)
    into one per key; how many rows fewer the table holds."""
    quote = connection.ops.quote_name
    table, columns = quote(model._meta.db_table), [quote(c) for c in (period, *KEY)]
    key = ", ".join(columns)
    recent = f"{columns[0]} >= %s" if since is not None else "1 = 1"
    params = [] if since is None else [
        connection.ops.adapt_datetimefield_value(since) if isinstance(since, datetime)
        else connection.ops.adapt_datefield_value(since)]
    doubled = f"SELECT {key} FROM {table} WHERE {recent} GROUP BY {key} HAVING COUNT(*) > 1"
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            matches = " AND ".join(f"t.{column} = d.{column}" for column in columns)
            cursor.execute(f"""
                WITH doubled AS ({doubled}),
                     gone AS (DELETE FROM {table} AS t USING doubled AS d WHERE {matches}
                              RETURNING {", ".join(f"t.{c}" for c in columns)}, t.count),
                     summed AS (INSERT INTO {table} ({key}, count)
                                SELECT {key}, SUM(count) FROM gone GROUP BY {key} RETURNING id)
                SELECT (SELECT COUNT(*) FROM gone) - (SELECT COUNT(*) FROM summed)
            """, params)  # noqa: S608 - names are the model's, values are parameters
            return cursor.fetchone()[0]
        cursor.execute(f"INSERT INTO {table} ({key}, count) "
                       f"SELECT {key}, SUM(count) FROM {table} WHERE {recent} "
                       f"GROUP BY {key} HAVING COUNT(*) > 1 RETURNING id", params)
        new_ids = [row[0] for row in cursor.fetchall()]
        if not new_ids:
            return 0
        first_new = min(new_ids)
        cursor.execute(f"DELETE FROM {table} WHERE id < %s AND ({key}) IN "
                       f"(SELECT {key} FROM {table} WHERE id >= %s)", [first_new, first_new])
        return cursor.rowcount - len(new_ids)
