"""webhooks.W001: a broker visibility timeout that a webhook retry's wait outlasts would have
the retry delivered twice; the check says so at start-up."""

from webhooks.checks import visibility_outlasts_retries


def test_the_default_configuration_passes(settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    assert visibility_outlasts_retries() == []


def test_a_visibility_timeout_within_the_longest_retry_wait_is_reported(settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    settings.BROKER_VISIBILITY_TIMEOUT = 3600
    settings.THREADLINE_WEBHOOK_RETRY_MAX_SECONDS = 3600.0
    [warning] = visibility_outlasts_retries()
    assert warning.id == "webhooks.W001"
    assert "3600 s" in warning.msg and "twice" in warning.msg


def test_embedded_mode_has_no_broker_to_check(settings):
    settings.REDIS_URL = ""
    settings.BROKER_VISIBILITY_TIMEOUT = 10
    assert visibility_outlasts_retries() == []
