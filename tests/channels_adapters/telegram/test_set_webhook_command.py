"""``manage.py telegram_set_webhook`` against the fake Bot API."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from .conftest import SECRET, TOKEN

pytestmark = pytest.mark.django_db


def run_command(*args) -> str:
    out = StringIO()
    call_command("telegram_set_webhook", *args, stdout=out)
    return out.getvalue()


def test_it_registers_the_webhook_with_the_channels_secret(channel, bot_api):
    output = run_command("--channel", str(channel.pk), "--url", "https://support.example.com/")

    url = f"https://support.example.com/hooks/telegram/{channel.pk}/"
    assert bot_api.webhook == {"url": url, "secret_token": SECRET,
                               "allowed_updates": ["message", "edited_message"]}
    assert [call.method for call in bot_api.calls] == ["setWebhook", "getWebhookInfo"]
    assert f"url: {url}" in output and "allowed updates: message, edited_message" in output


def test_a_channel_without_a_webhook_secret_gets_one(channel, bot_api):
    channel.secrets = {"bot_token": TOKEN}
    channel.save()

    run_command("--channel", str(channel.pk), "--url", "https://support.example.com")

    channel.refresh_from_db()
    secret = channel.secrets["webhook_secret"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret) and len(secret) >= 32
    assert bot_api.webhook["secret_token"] == secret


def test_delete_removes_the_webhook(channel, bot_api):
    run_command("--channel", str(channel.pk), "--url", "https://support.example.com")

    output = run_command("--channel", str(channel.pk), "--delete")

    assert bot_api.webhook == {} and "Webhook removed." in output and "url: (none)" in output


def test_a_channel_without_a_token_is_a_clear_error(make_channel):
    channel = make_channel("telegram", secrets={"webhook_secret": SECRET})

    with pytest.raises(CommandError, match="no bot_token"):
        run_command("--channel", str(channel.pk), "--url", "https://support.example.com")


def test_an_unreachable_api_is_a_clear_error_without_the_token(channel, bot_api):
    bot_api.stop()

    with pytest.raises(CommandError, match="cannot be reached") as raised:
        run_command("--channel", str(channel.pk), "--url", "https://support.example.com")
    assert TOKEN not in str(raised.value)


def test_a_rejected_token_is_a_clear_error(make_channel, bot_api):
    channel = make_channel("telegram", settings={"api_base_url": bot_api.base_url},
                           secrets={"bot_token": "7000001:AAH-a-token-telegram-does-not-know"})

    with pytest.raises(CommandError, match="rejected the bot token"):
        run_command("--channel", str(channel.pk), "--url", "https://support.example.com")


@pytest.mark.parametrize("args, message", [
    (["--url", "http://support.example.com"], "https://"),
    (["--url", ""], "https://"),
])
def test_the_url_must_be_https(channel, args, message):
    with pytest.raises(CommandError, match=message):
        run_command("--channel", str(channel.pk), *args)


def test_an_unknown_channel_is_a_clear_error(db):
    with pytest.raises(CommandError, match="No Telegram channel"):
        run_command("--channel", "999999", "--url", "https://support.example.com")
