"""``manage.py whatsapp_templates``: a channel's approved templates, every page of them,
stored where the composer reads them."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from channels_adapters.meta.graph import GraphClient, GraphError
from channels_adapters.meta.templates import sync_templates
from channels_adapters.models import Channel

from .conftest import WABA_ID

pytestmark = pytest.mark.django_db


def meta_template(name, body, *, language="en_US", status="APPROVED", category="UTILITY"):
    """A template as Meta lists it."""
    return {"name": name, "language": language, "status": status, "category": category,
            "id": f"id-{name}", "components": [
                {"type": "HEADER", "format": "TEXT", "text": "Our shop"},
                {"type": "BODY", "text": body},
                {"type": "FOOTER", "text": "Reply STOP to opt out"}]}


@pytest.fixture
def templates(graph):
    graph.templates = [
        meta_template("order_update", "Hello {{1}}, your order {{2}} has shipped."),
        meta_template("order_update", "Bonjour {{1}}, votre commande {{2}} est partie.",
                      language="fr"),
        meta_template("draft_offer", "Not yet", status="PENDING"),
        meta_template("welcome", "Welcome back!", category="MARKETING"),
    ]
    return graph.templates


def test_sync_follows_the_pages_and_keeps_the_approved_ones(whatsapp_channel, graph,
                                                             templates):
    whatsapp_channel.settings = {**whatsapp_channel.settings, "other": "kept"}
    whatsapp_channel.save()

    stored = sync_templates(whatsapp_channel)

    assert stored == [
        {"name": "order_update", "language": "en_US", "category": "UTILITY",
         "body": "Hello {{1}}, your order {{2}} has shipped."},
        {"name": "order_update", "language": "fr", "category": "UTILITY",
         "body": "Bonjour {{1}}, votre commande {{2}} est partie."},
        {"name": "welcome", "language": "en_US", "category": "MARKETING",
         "body": "Welcome back!"},
    ]
    settings = Channel.objects.get(pk=whatsapp_channel.pk).settings
    assert settings["templates"] == stored and settings["other"] == "kept"
    first, second = graph.calls
    assert first.path == second.path == f"/v21.0/{WABA_ID}/message_templates"
    assert first.query["status"] == ["APPROVED"]
    assert second.query["after"] == ["QVFJ"]
    assert all(c.headers["authorization"] == f"Bearer {graph.token}" for c in graph.calls)


def test_the_command_prints_what_changed(whatsapp_channel, graph, templates):
    whatsapp_channel.settings = {**whatsapp_channel.settings, "templates": [
        {"name": "welcome", "language": "en_US", "category": "MARKETING", "body": "Hi!"},
        {"name": "old_promo", "language": "en_US", "category": "MARKETING", "body": "Sale"}]}
    whatsapp_channel.save()
    out = StringIO()

    call_command("whatsapp_templates", "--channel", str(whatsapp_channel.pk), stdout=out)

    assert out.getvalue().splitlines() == [
        "added: order_update (en_US)", "added: order_update (fr)",
        "removed: old_promo (en_US)", "changed: welcome (en_US)",
        f"3 approved template(s) stored on {whatsapp_channel}."]


def test_the_command_refuses_another_kind_of_channel(make_channel):
    channel = make_channel("messenger")

    with pytest.raises(CommandError, match="No WhatsApp channel"):
        call_command("whatsapp_templates", "--channel", str(channel.pk))


def test_an_error_from_meta_leaves_the_templates_as_they_were(whatsapp_channel, graph):
    whatsapp_channel.secrets = {**whatsapp_channel.secrets, "access_token": "EAAG-revoked"}
    whatsapp_channel.settings = {**whatsapp_channel.settings, "templates": [{"name": "a"}]}
    whatsapp_channel.save()

    with pytest.raises(CommandError, match="Invalid OAuth access token"):
        call_command("whatsapp_templates", "--channel", str(whatsapp_channel.pk))

    assert Channel.objects.get(pk=whatsapp_channel.pk).settings["templates"] == [{"name": "a"}]


def test_a_next_page_off_the_graph_api_is_not_followed_with_the_token(whatsapp_channel,
                                                                       graph):
    client = GraphClient.for_channel(whatsapp_channel)

    with pytest.raises(GraphError, match="refusing to follow"):
        client.get_url("http://example.invalid/v21.0/next?after=QVFJ")
    assert not graph.calls
