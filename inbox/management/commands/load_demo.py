"""``manage.py load_demo``: the demo company's people, channels and customers.

Lumen Home, a small shop of lamps and smart lighting, answers its customers on every kind of
channel. Each customer's story is told through the actions (``inbox.actions`` and
``customers.actions``) exactly as live traffic would be, so the demo shows what the code
really does: identity resolution joins a customer's channels, a merge can be undone, a reply
the provider refuses is marked failed. Users, teams and channels have no actions; they are
created directly.

The demo admin is the marker: once that user exists the demo is loaded, and a second run
changes nothing. ``--logins`` only prints the logins.
"""

import json
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.management.base import BaseCommand
from django.db import transaction

from api.models import ApiToken, Scope
from api.tokens import create_token
from automation.demo import demo_rules
from bot.demo import demo_bot
from channels_adapters.inbound import store_payload
from channels_adapters.models import Channel, ChannelKind
from customers.models import Customer
from hours.demo import demo_business_hours
from inbox.actions.agents import thread_mark_read
from inbox.demo_stories import STORIES, Demo
from inbox.models import AgentPresence, CannedResponse, Event, Message, Team, User
from macros.demo import demo_macros
from reports.demo import past_conversations
from routing.demo import demo_routing
from sla.demo import demo_sla_policies
from webhooks.demo import demo_endpoint

ADMIN_URL = "http://127.0.0.1:8000/"
DEMO_ADMIN = "admin"
# Published in the README: a demo's key, never one to keep on a real server.
DEMO_API_KEY = "tl_demo_admin_key_published_in_the_readme"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    first_name: str
    last_name: str
    role: str
    teams: tuple[str, ...] = ()


LOGINS = (
    DemoLogin("admin", "admin-demo", "Alex", "Martin", User.Role.ADMIN),
    DemoLogin("sofia", "sofia-demo", "Sofia", "Rossi", User.Role.SUPERVISOR, ("Support", "Sales")),
    DemoLogin("liam", "liam-demo", "Liam", "Dubois", User.Role.AGENT, ("Support",)),
    DemoLogin("chloe", "chloe-demo", "Chloé", "Bernard", User.Role.AGENT, ("Support",)),
    DemoLogin("emma", "emma-demo", "Emma", "Laurent", User.Role.AGENT, ("Support", "Sales")),
    DemoLogin("noah", "noah-demo", "Noah", "Fischer", User.Role.AGENT, ("Sales",)),
)


@dataclass(frozen=True)
class DemoChannel:
    kind: str
    name: str
    team: str
    address: str
    settings: dict = field(default_factory=dict)
    secrets: dict = field(default_factory=dict)


# Keyed by the name the stories use. Every ChannelKind has one; "old_sms" is a gateway being
# switched off, whose provider refuses every reply (see channels_adapters/adapters/stub.py).
CHANNELS = {
    "email": DemoChannel(
        ChannelKind.EMAIL, "Support mailbox", "Support", "support@lumen-home.example",
        # No IMAP or SMTP server in the demo: replies are printed on the server's console
        # (EMAIL_BACKEND). Set imap_host, smtp_host… to connect a real mailbox (docs/email.md).
        secrets={"imap_password": "m4ilbox-Demo-Passw0rd", "smtp_password": "smtp-Demo-Passw0rd"},
    ),
    # Try it at http://127.0.0.1:8000/webchat/<id>/demo/ (the server's own origin is allowed).
    "webchat": DemoChannel(
        ChannelKind.WEBCHAT, "Website chat", "Support", "https://www.lumen-home.example",
        settings={"allowed_origins": ["http://127.0.0.1:8000", "http://localhost:8000",
                                      "https://www.lumen-home.example"],
                  "title": "Lumen Home", "greeting": "Hi! Questions about a lamp or an order?",
                  "color": "#b45309"},
        secrets={"identity_secret": "demo-identity-Secret-4f2a9c"},
    ),
    "telegram": DemoChannel(
        # No bot token in the demo: replies are accepted by the stub adapter. Set bot_token
        # and webhook_secret to connect a real bot (docs/channels/telegram.md).
        ChannelKind.TELEGRAM, "Telegram bot", "Support", "@LumenHomeBot",
    ),
    "slack": DemoChannel(ChannelKind.SLACK, "Partners Slack", "Sales",
                         "lumen-partners.slack.com"),
    "whatsapp": DemoChannel(ChannelKind.WHATSAPP, "WhatsApp Business", "Support",
                            "+33 1 84 80 12 34"),
    "messenger": DemoChannel(ChannelKind.MESSENGER, "Facebook page", "Sales",
                             "facebook.com/lumenhome"),
    "instagram": DemoChannel(ChannelKind.INSTAGRAM, "Instagram", "Sales", "@lumen.home"),
    "sms": DemoChannel(ChannelKind.SMS, "SMS line", "Support", "+33 7 57 59 12 34"),
    "phone": DemoChannel(ChannelKind.PHONE, "Support hotline", "Support", "+33 1 84 80 00 00"),
    "old_sms": DemoChannel(ChannelKind.SMS, "Old SMS gateway", "Support", "+33 6 11 22 33 44",
                           settings={"stub_fail": "permanent"}),
}


def _create_people_and_channels() -> Demo:
    teams = {name: Team.objects.get_or_create(name=name)[0] for name in ("Support", "Sales")}
    users = {}
    for login in LOGINS:
        user = User.objects.create_user(
            username=login.username, password=login.password, role=login.role,
            first_name=login.first_name, last_name=login.last_name,
            email=f"{login.username}@lumen-home.example",
            # Agents work in the inbox; supervisors and admins also use the back office.
            is_staff=login.role != User.Role.AGENT, is_superuser=login.role == User.Role.ADMIN,
        )
        user.teams.set([teams[name] for name in login.teams])
        users[login.username] = user
    channels = {
        key: Channel.objects.create(
            team=teams[spec.team], kind=spec.kind, name=spec.name, address=spec.address,
            settings=spec.settings, secrets=spec.secrets,
        )
        for key, spec in CHANNELS.items()
    }
    for shortcut, title, body in CANNED:
        CannedResponse.objects.create(shortcut=shortcut, title=title, body=body)
    return Demo(teams, users, channels)


CANNED = (
    ("hello", "Greeting", "Hello {{ customer.first_name }}, thanks for getting in touch!"),
    ("order", "Order number", "Could you send me your order number, {{ customer.first_name }}? "
                              "It starts with # and is in your confirmation e-mail."),
    ("shipped", "It has shipped", "Good news: your order has shipped and should arrive within "
                                  "2 working days."),
    ("bye", "Sign-off", "Have a lovely day!\n{{ agent.first_name }} at Lumen Home"),
)


def _raw_provider_traffic(demo: Demo) -> None:
    """What the back office shows of raw provider requests (Channels › Inbound payloads):
    one the WhatsApp number received and read, one the old gateway sent that cannot be."""
    store_payload(channel=demo.channels["whatsapp"], headers={"content-type": "application/json"},
                  body=json.dumps({"messages": [{
                      "id": "demo-wamid-1", "from": "+351 912 345 678", "name": "Tomás",
                      "text": "Thanks, I see the refund now!"}]}).encode())
    store_payload(channel=demo.channels["old_sms"], headers={"content-type": "text/plain"},
                  body=b"ToCountry=FR&Body=Hello%20is%20anyone%20th")


def _agents_have_read_their_older_threads() -> None:
    """Each agent has read the threads assigned to them but the newest, which stays unread."""
    for agent in User.objects.filter(assigned_threads__isnull=False).distinct():
        AgentPresence.objects.get_or_create(user=agent)
        threads = list(agent.assigned_threads.order_by("-last_activity_at"))
        for thread in threads[1:]:
            thread_mark_read(user=agent, thread=thread)


COUNTED = {"users": User, "teams": Team, "channels": Channel, "customers": Customer,
           "messages": Message, "events": Event}


def _counts() -> dict[str, int]:
    return {name: model.objects.count() for name, model in COUNTED.items()}


@contextmanager
def _quiet_task_log(quiet: bool):
    """Celery logs every eager delivery at INFO; the command's own summary says enough."""
    trace_logger = logging.getLogger("celery.app.trace")
    level = trace_logger.level
    if quiet:
        trace_logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        trace_logger.setLevel(level)


class Command(BaseCommand):
    help = "Load the demo users, teams, channels and customers (once), or print the logins."

    def add_arguments(self, parser):
        parser.add_argument("--logins", action="store_true",
                            help="Only print the demo logins.")

    def handle(self, *args, logins: bool = False, **options):
        if logins:
            self.print_logins()
            return
        if User.objects.filter(username=DEMO_ADMIN).exists():
            self.stdout.write(f"The demo is already loaded (user {DEMO_ADMIN!r} exists): "
                              "nothing to do.")
            return
        before = _counts()
        # All or nothing: a half-loaded demo would be taken for a loaded one next time.
        with _quiet_task_log(options["verbosity"] < 2), transaction.atomic():
            demo = _create_people_and_channels()
            past_conversations(demo)  # before the stories: theirs are the newest threads
            for story in STORIES:
                story(demo)
            _agents_have_read_their_older_threads()
            _raw_provider_traffic(demo)
            create_token(name="Demo integration", scope=Scope.ADMIN, all_teams=True,
                         created_by=demo.users[DEMO_ADMIN], raw_key=DEMO_API_KEY)
            demo_endpoint(owner=demo.users[DEMO_ADMIN])
            demo_macros(demo)
            demo_business_hours(demo)
            demo_sla_policies(demo)
            demo_routing(demo)
            demo_bot(demo)
            demo_rules(demo)
        created = {name: count - before[name] for name, count in _counts().items()}
        self.stdout.write(self.style.SUCCESS(
            "Demo loaded: {users} users, {teams} teams, {channels} channels, {customers} "
            "customers, {messages} messages, {events} events.".format(**created)
        ))

    def print_logins(self) -> None:
        self.stdout.write(f"Demo logins for {ADMIN_URL}")
        self.stdout.write(f"  {'username':<10} {'password':<12} role")
        for login in LOGINS:
            self.stdout.write(f"  {login.username:<10} {login.password:<12} {login.role}")
        if not User.objects.filter(username=DEMO_ADMIN).exists():
            self.stdout.write("  (not loaded yet: run manage.py load_demo)")
        elif ApiToken.objects.filter(prefix=DEMO_API_KEY[:12], revoked_at=None).exists():
            self.stdout.write(f"API token (admin scope, all teams): {DEMO_API_KEY}  "
                              f"(docs: {ADMIN_URL}api/docs/)")
