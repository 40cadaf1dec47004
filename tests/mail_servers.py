"""Real mail servers on loopback for the tests and the benchmark.

``Dovecot`` is Debian's Dovecot IMAP server with a configuration of its own in a temporary
folder, on a free port; mail is delivered into it by Dovecot's own delivery agent
(dovecot-lda), as a mail server would. ``SmtpServer`` is aiosmtpd on a free port: it keeps
every mail it receives and, when given a Dovecot, delivers mail for its users into it — so a
test can send mail by SMTP and read it back by IMAP.
"""

import email
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from email import policy
from pathlib import Path

from aiosmtpd.controller import Controller

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
DOVECOT_LDA = "/usr/lib/dovecot/dovecot-lda"
PASSWORD = "secret"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
first_valid_uid = 1
postmaster_address = postmaster@threadline.test
# Every user exists and has the password "secret": a test's mailbox is ready at once.
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={root}/mail/%u allow_all_users=yes
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing answers on 127.0.0.1:{port}")


class Dovecot:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.port = free_port()
        self.config = self.root / "dovecot.conf"
        self.process: subprocess.Popen | None = None
        self.users: set[str] = set()

    @staticmethod
    def available() -> bool:
        return Path(DOVECOT).exists() and Path(DOVECOT_LDA).exists()

    def start(self) -> "Dovecot":
        self.root.chmod(0o755)  # Dovecot's own users work in it
        for folder in ("run", "state", "mail"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        self.config.write_text(CONFIG.format(root=self.root, port=self.port,
                                             password=PASSWORD))
        shutil.chown(self.root / "mail", "nobody", "nogroup")
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(self.config)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_for_port(self.port)
        except RuntimeError:
            self.stop()
            log = self.root / "dovecot.log"
            raise RuntimeError(f"Dovecot did not start: "
                               f"{log.read_text() if log.exists() else ''}") from None
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def add_user(self, user: str) -> None:
        """Name a mailbox the SMTP server delivers to (its password is ``PASSWORD``)."""
        self.users.add(user)

    def deliver(self, user: str, raw: bytes) -> None:
        """Deliver one message into ``user``'s INBOX with Dovecot's own delivery agent."""
        done = subprocess.run([DOVECOT_LDA, "-c", str(self.config), "-d", user],
                              input=raw, capture_output=True, timeout=30)
        if done.returncode != 0:
            raise RuntimeError(f"dovecot-lda failed ({done.returncode}): "
                               f"{done.stderr.decode(errors='replace')}")

    def channel_settings(self, user: str) -> dict:
        return {"imap_host": "127.0.0.1", "imap_port": self.port, "imap_security": "none",
                "imap_username": user}


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.raw, policy=policy.default)


@dataclass
class _Handler:
    dovecot: Dovecot | None = None
    received: list[ReceivedMail] = field(default_factory=list)
    # An answer to give instead of accepting mail, e.g. "550 5.1.1 No such user".
    refuse_with: str = ""

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_with:
            return self.refuse_with
        raw = envelope.original_content or envelope.content
        self.received.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), raw))
        if self.dovecot is not None:
            for recipient in envelope.rcpt_tos:
                user = recipient.split("@")[0]
                if user in self.dovecot.users:
                    self.dovecot.deliver(user, raw)
        return "250 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd on loopback; ``received`` lists what it was sent, in order."""

    def __init__(self, dovecot: Dovecot | None = None, handler=None):
        self.port = free_port()
        self.handler = handler or _Handler(dovecot=dovecot)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def received(self) -> list[ReceivedMail]:
        return self.handler.received

    def start(self) -> "SmtpServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def channel_settings(self) -> dict:
        return {"smtp_host": "127.0.0.1", "smtp_port": self.port, "smtp_security": "none"}
