"""Real mail servers for the e-mail tests: one Dovecot for the session (each test gets a
mailbox user of its own) and an aiosmtpd server per test that delivers into it."""

import shutil
import tempfile
import uuid
from pathlib import Path

import pytest

from tests.mail_servers import Dovecot, SmtpServer


@pytest.fixture(scope="session")
def dovecot():
    if not Dovecot.available():
        pytest.fail("Dovecot is not installed: `make test` installs dovecot-imapd "
                    "(apt-get install dovecot-imapd)")
    # Not under pytest's tmp_path: Dovecot's own users must be able to reach the folder.
    root = Path(tempfile.mkdtemp(prefix="threadline-dovecot-"))
    server = Dovecot(root).start()
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def mailbox_user(dovecot) -> str:
    user = f"support{uuid.uuid4().hex[:10]}"
    dovecot.add_user(user)
    return user


@pytest.fixture
def smtp_server(dovecot):
    server = SmtpServer(dovecot).start()
    yield server
    server.stop()


@pytest.fixture
def imap_channel(make_channel, dovecot, mailbox_user, smtp_server, settings, tmp_path):
    """An e-mail channel reading its Dovecot mailbox and sending through the SMTP server."""
    settings.MEDIA_ROOT = tmp_path
    return make_channel(
        "email", name=f"Mailbox {mailbox_user}", address=f"{mailbox_user}@threadline.test",
        settings={**dovecot.channel_settings(mailbox_user), **smtp_server.channel_settings()},
        secrets={"imap_password": "secret"},
    )
