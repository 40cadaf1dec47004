"""The schemathesis set-up the API's fuzzing tests share: the schema this code generates
(built once, at collection, before any live server is up: schemathesis' lazy loader does not
work with pytest 9.2), the checks, and the bounds that keep a run to a minute or two."""

import os

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import CacheConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "15"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def _schema_of_this_code() -> dict:
    """What /api/schema/ serves."""
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


SCHEMA = _schema_of_this_code()
# No crash cache written into the repository (.schemathesis/): each run starts afresh.
schema = schemathesis.openapi.from_dict(SCHEMA, config=schemathesis.Config(
    cache=CacheConfig(enabled=False)))
schema.config.generation.update(max_examples=MAX_EXAMPLES, database="none")
schema.config.phases.update(phases=["examples", "coverage", "fuzzing"])
# Methods an operation does not have answer 405 (tests/api/test_errors.py); trying each
# of them on every path would double the run.
schema.config.phases.coverage.unexpected_methods = set()

# Each fuzzing test's hypothesis settings.
bounded = settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
                   suppress_health_check=list(HealthCheck))
