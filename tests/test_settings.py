"""Settings come from the environment only; the two modes differ by it and nothing else."""

import json
import os
import subprocess
import sys

from tests.conftest import ROOT

READ_SETTINGS = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "layer": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "broker": settings.CELERY_BROKER_URL,
    "debug": settings.DEBUG,
    "hosts": settings.ALLOWED_HOSTS,
    "secret_is_set": bool(settings.SECRET_KEY),
}))
"""


def _settings_with(**environment):
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "ALLOWED_HOSTS", "SECRET_KEY"}}
    env.update(environment, DJANGO_SETTINGS_MODULE="config.settings")
    output = subprocess.run([sys.executable, "-c", READ_SETTINGS], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def test_with_nothing_set_threadline_runs_embedded():
    settings = _settings_with()
    assert settings["engine"] == "django.db.backends.sqlite3"
    assert settings["db_name"].endswith("db.sqlite3")
    assert settings["layer"] == "channels.layers.InMemoryChannelLayer"
    assert settings["eager"] is True
    assert settings["debug"] is False
    assert settings["hosts"] == ["127.0.0.1", "localhost"]
    assert settings["secret_is_set"]


def test_database_url_and_redis_url_select_the_production_stack():
    settings = _settings_with(DATABASE_URL="postgres://user:pw@db.internal:5432/threadline",
                              REDIS_URL="redis://cache.internal:6379/0", DEBUG="true",
                              ALLOWED_HOSTS="inbox.example.com, 127.0.0.1",
                              SECRET_KEY="from-the-environment")
    assert settings["engine"] == "django.db.backends.postgresql"
    assert settings["db_name"] == "threadline"
    assert settings["layer"] == "channels_redis.core.RedisChannelLayer"
    assert settings["eager"] is False
    assert settings["broker"] == "redis://cache.internal:6379/0"
    assert settings["debug"] is True
    assert settings["hosts"] == ["inbox.example.com", "127.0.0.1"]
