"""PostgreSQL indexes for searching threads (inbox.search) and finding similar customers
(customers.selectors). SQLite, the embedded default, gets none: it scans its small tables.

Each index serves one exact expression that the ORM writes; change them together:

- ``to_tsvector('simple'::regconfig, COALESCE(text, ''))``: ``SearchVector("text",
  config="simple")`` in inbox.search;
- ``upper(<column>::text) gin_trgm_ops``: what ``<column>__icontains`` compiles to
  (``UPPER(col::text) LIKE UPPER('%…%')``), for customer names and identity addresses and
  display names;
- ``lower(btrim(attributes ->> 'email'))`` and the same for ``'phone'``: the contact details
  an agent typed on a profile (``Lower(Trim(KT(...)))``), looked up by ``similar_customers``.

Built ``CONCURRENTLY`` (so the migration is not atomic) because inbox_message is the big,
busy table: a plain CREATE INDEX would block incoming messages for the whole build. A build
that failed half-way leaves an invalid index behind; it is dropped and built again on the
next run.
"""

from django.db import migrations

EXTENSION = "CREATE EXTENSION IF NOT EXISTS pg_trgm"

INDEXES = {
    "message_text_search_idx": (
        "inbox_message USING gin (to_tsvector('simple'::regconfig, COALESCE(text, '')))"
    ),
    "customer_name_trgm_idx": (
        "customers_customer USING gin (upper(name::text) gin_trgm_ops)"
    ),
    "identity_address_trgm_idx": (
        "customers_identity USING gin (upper(address::text) gin_trgm_ops)"
    ),
    "identity_display_name_trgm_idx": (
        "customers_identity USING gin (upper(display_name::text) gin_trgm_ops)"
    ),
    "customer_attr_email_idx": (
        "customers_customer (lower(btrim(attributes ->> 'email')))"
    ),
    "customer_attr_phone_idx": (
        "customers_customer (lower(btrim(attributes ->> 'phone')))"
    ),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(EXTENSION)
        for name, definition in INDEXES.items():
            cursor.execute(
                "SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)",
                [name],
            )
            invalid = cursor.fetchone()
            if invalid and invalid[0]:
                cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
            cursor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {definition}")


def drop_indexes(apps, schema_editor):
    # pg_trgm stays: other objects in the database may have come to depend on it.
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name in INDEXES:
            cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("inbox", "0002_agent_inbox"),
        ("customers", "0002_initial"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
