"""A team's bot settings as the back office saves them: checked before they are stored."""

import pytest
from django.core.exceptions import ValidationError

from bot.models import BotSettings


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value"), [("channel_kinds", ["webchat", "fax"]),
                                              ("channel_kinds", "webchat"),
                                              ("channel_kinds", [{"kind": "sms"}]),
                                              ("threshold", 1.5), ("threshold", -0.1)])
def test_bad_settings_are_refused(team, field, value):
    settings = BotSettings(team=team, **{field: value})
    with pytest.raises(ValidationError) as refused:
        settings.full_clean()
    assert refused.value.message_dict


@pytest.mark.django_db
def test_the_defaults_are_off_and_sane(team):
    settings = BotSettings(team=team)
    settings.full_clean()
    assert not settings.enabled and not settings.answers_on("webchat")
    assert settings.threshold == 0.6 and settings.max_answers == 3
    settings.enabled = True
    assert settings.answers_on("email") and settings.answers_on("webchat")
    settings.channel_kinds = ["webchat"]
    assert settings.answers_on("webchat") and not settings.answers_on("email")


def test_the_bot_never_answers_a_phone_lines_voicemail(team):
    assert not BotSettings(team=team, enabled=True).answers_on("phone")
    assert not BotSettings(team=team, enabled=True, channel_kinds=["phone"]).answers_on("phone")
