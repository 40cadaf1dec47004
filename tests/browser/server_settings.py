"""Settings of the Daphne server the browser tests start: Threadline's own, plus the fast
password hasher the test process uses (``tests/conftest.py``), so that the users the tests
make (password "pw") can sign in through the real login form."""

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
