"""``manage.py load_demo``: the data ``make run`` shows, loaded once, told through the actions."""

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from channels_adapters.models import Channel, ChannelKind
from customers.models import Customer, CustomerMerge
from inbox.events import parse_payload
from inbox.models import Event, Message, Thread, User
from tests.helpers import wait_for

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo_settings(settings, tmp_path):
    # The demo sets real passwords; the default hasher takes a second per user by design.
    settings.PASSWORD_HASHERS = FAST_HASHER
    settings.MEDIA_ROOT = tmp_path


def load_demo(*options: str) -> str:
    output = io.StringIO()
    call_command("load_demo", *options, stdout=output)
    return output.getvalue()


def channel_kinds_per_thread() -> dict[int, int]:
    rows = (
        Message.objects.exclude(channel=None).order_by().values("thread")
        .annotate(kinds=Count("channel__kind", distinct=True))
    )
    return {row["thread"]: row["kinds"] for row in rows}


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count()
            for model in (User, Channel, Customer, Thread, Message, Event)}


def test_the_demo_loads_and_says_what_it_created(db, demo_settings):
    output = load_demo()

    assert output.startswith("Demo loaded:")
    assert f"{Customer.objects.count()} customers" in output
    assert f"{Message.objects.count()} messages" in output
    # The stories' customers wrote today; four weeks of past ones (reports/demo.py) before.
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    stories = Customer.objects.filter(merged_into=None, thread__last_activity_at__gte=today)
    assert 8 <= stories.count() <= 12
    assert Customer.objects.filter(thread__last_activity_at__lt=today).count() >= 30


def test_users_of_every_role_can_log_into_the_back_office(db, demo_settings):
    load_demo()

    admin = authenticate(username="admin", password="admin-demo")
    assert admin is not None
    assert (admin.role, admin.is_staff, admin.is_superuser) == ("admin", True, True)
    people = User.objects.filter(api_token=None)  # not the demo API token's own user
    supervisor = people.get(role=User.Role.SUPERVISOR)
    assert supervisor.is_staff and not supervisor.is_superuser
    agents = people.filter(role=User.Role.AGENT)
    assert 3 <= agents.count() <= 4
    for agent in agents:
        assert not agent.is_staff and not agent.is_superuser
        assert agent.teams.exists()
        assert authenticate(username=agent.username, password=f"{agent.username}-demo") == agent


def test_every_channel_kind_has_a_channel_with_a_team_and_an_address(db, demo_settings):
    load_demo()

    channels = Channel.objects.exclude(address="").exclude(team=None)
    assert set(channels.values_list("kind", flat=True)) == set(ChannelKind.values)
    # No provider credentials in the demo: every reply is accepted by the stub adapter.
    assert not Channel.objects.filter(kind=ChannelKind.TELEGRAM).exclude(secrets={}).exists()


def test_customer_threads_mix_several_channel_kinds(db, demo_settings):
    load_demo()

    kinds = channel_kinds_per_thread()
    assert sum(1 for count in kinds.values() if count >= 2) >= 3
    assert max(kinds.values()) >= 3


def test_a_web_chat_visitor_with_a_verified_email_joins_the_email_customer(db, demo_settings):
    load_demo()

    ana = Customer.objects.get(identities__address="ana.morel@example.com")
    assert set(ana.identities.values_list("kind", flat=True)) == {"email", "webchat"}
    assert ana.thread.messages.filter(direction=Message.Direction.CALL).exists()
    assert ana.thread.status == Thread.Status.RESOLVED


def test_the_same_phone_number_on_sms_whatsapp_and_phone_is_one_customer(db, demo_settings):
    load_demo()

    customers = Customer.objects.filter(identities__address="+447700900456").distinct()
    assert customers.count() == 1
    thread = customers.get().thread
    assert set(thread.messages.exclude(channel=None).values_list("channel__kind", flat=True)) == {
        "sms", "whatsapp", "phone"}


def test_telegram_and_whatsapp_profiles_were_merged_by_a_supervisor(db, demo_settings):
    load_demo()

    merge = CustomerMerge.objects.get()
    assert merge.merged_by.role == User.Role.SUPERVISOR
    assert set(merge.target.identities.values_list("kind", flat=True)) == {"telegram",
                                                                           "whatsapp"}
    assert merge.source.merged_into == merge.target


def test_the_demo_shows_every_inbox_state(db, demo_settings):
    load_demo()

    live_threads = Thread.objects.filter(customer__merged_into=None)
    assert set(live_threads.values_list("status", flat=True)) == set(Thread.Status.values)
    assert live_threads.exclude(assignee=None).filter(tags__isnull=False).exists()
    assert live_threads.get(status=Thread.Status.SNOOZED).snoozed_until is not None
    notes = Message.objects.filter(direction=Message.Direction.NOTE)
    assert any(note.metadata.get("mentions") for note in notes)
    assert Message.objects.filter(attachments__isnull=False).exists()


def test_every_demo_event_matches_its_declared_type(db, demo_settings):
    load_demo()

    for event in Event.objects.all():
        parse_payload(event.type, event.payload)


@pytest.mark.django_db(transaction=True)
def test_a_reply_the_provider_refuses_shows_as_failed(demo_settings, celery_worker):
    load_demo()

    failed = wait_for(lambda: Message.objects.filter(
        delivery_status=Message.DeliveryStatus.FAILED).first())
    assert failed.direction == Message.Direction.OUTBOUND
    assert failed.delivery_error
    sent = Message.objects.filter(delivery_status=Message.DeliveryStatus.SENT)
    assert wait_for(lambda: sent.count() >= 5)


def test_second_run_keeps_the_data_and_adds_nothing(db, demo_settings):
    load_demo()
    before = counts()

    output = load_demo()

    assert counts() == before
    assert "already loaded" in output
    assert len(output.strip().splitlines()) == 1


def test_logins_prints_every_demo_login_and_the_admin_url(db, demo_settings):
    load_demo()
    before = counts()

    output = load_demo("--logins")

    assert "http://127.0.0.1:8000/" in output
    for user in User.objects.filter(api_token=None):
        assert user.username in output
        assert f"{user.username}-demo" in output
    assert counts() == before


def test_logins_loads_nothing(db):
    output = load_demo("--logins")

    assert "admin-demo" in output
    assert not User.objects.exists()
