"""django-helpdesk's settings for the e-mail ingestion benchmark, from the environment.

HELPDESK_DATABASE_URL names its PostgreSQL database (else SQLite in this process's temporary
folder) and HELPDESK_MEDIA_ROOT where ticket attachments go. Outgoing mail (django-helpdesk's
acknowledgement to each new ticket's submitter) goes to Django's dummy backend: rendered,
never sent. DEBUG stays off, so no query log inflates the memory measured.
"""

import os
import tempfile
from urllib.parse import unquote, urlparse


def _database(url: str) -> dict:
    if not url:
        return {"ENGINE": "django.db.backends.sqlite3",
                "NAME": os.path.join(tempfile.gettempdir(), "helpdesk-bench.sqlite3")}
    parts = urlparse(url)
    return {"ENGINE": "django.db.backends.postgresql", "NAME": parts.path.lstrip("/"),
            "USER": unquote(parts.username or ""), "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "", "PORT": parts.port or ""}


SECRET_KEY = "helpdesk-bench-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
TIME_ZONE = "UTC"
SITE_ID = 1
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
ROOT_URLCONF = "helpdesk_project.urls"
DATABASES = {"default": _database(os.environ.get("HELPDESK_DATABASE_URL", ""))}
MEDIA_ROOT = os.environ.get("HELPDESK_MEDIA_ROOT") or tempfile.mkdtemp(prefix="helpdesk-media-")
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
DEFAULT_FROM_EMAIL = "support@threadline.test"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "rest_framework",
    "helpdesk",
]
# Teams mode wants pinax-teams, which the ingestion does not use.
HELPDESK_TEAMS_MODE_ENABLED = False

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
