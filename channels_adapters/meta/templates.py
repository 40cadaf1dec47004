"""A WhatsApp channel's approved message templates, copied from Meta into
``channel.settings["templates"]`` (the composer offers them once the 24-hour window is
closed): a list of ``{"name", "language", "category", "body"}``, ``body`` being the
template's BODY text with its ``{{1}}``, ``{{2}}`` placeholders."""

from dataclasses import dataclass

from django.db import transaction

from ..models import Channel
from .graph import GraphClient

MAX_PAGES = 50
FIELDS = "name,language,category,status,components"


@dataclass(frozen=True)
class TemplateChanges:
    added: list[str]
    removed: list[str]
    changed: list[str]


def fetch_templates(channel: Channel) -> list[dict]:
    """The WhatsApp Business Account's APPROVED templates, every page of them."""
    client = GraphClient.for_channel(channel)
    account = (channel.settings or {}).get("business_account_id", "")
    if not account:
        raise ValueError("The channel has no business_account_id setting.")
    page = client.get(f"{account}/message_templates",
                      params={"status": "APPROVED", "fields": FIELDS, "limit": 100})
    templates = []
    for _ in range(MAX_PAGES):
        templates += [_template(t) for t in page.get("data") or []
                      if isinstance(t, dict) and t.get("status", "APPROVED") == "APPROVED"]
        next_url = (page.get("paging") or {}).get("next")
        if not next_url:
            break
        page = client.get_url(next_url)
    return sorted(templates, key=lambda t: (t["name"], t["language"]))


def _template(template: dict) -> dict:
    body = next((c.get("text", "") for c in template.get("components") or []
                 if isinstance(c, dict) and c.get("type") == "BODY"), "")
    return {"name": str(template.get("name", "")), "language": str(template.get("language", "")),
            "category": str(template.get("category", "")), "body": str(body)}


def sync_templates(channel: Channel) -> list[dict]:
    """Fetch the approved templates and store them on the channel; returns them. Only the
    ``templates`` key is written, under a row lock, so a concurrent edit of the channel's
    other settings is kept."""
    templates = fetch_templates(channel)
    with transaction.atomic():
        locked = Channel.objects.select_for_update().get(pk=channel.pk)
        locked.settings = {**(locked.settings or {}), "templates": templates}
        locked.save(update_fields=["settings"])
    channel.settings = locked.settings
    return templates


def template_changes(before: list[dict], after: list[dict]) -> TemplateChanges:
    def key(template: dict) -> str:
        return f"{template.get('name')} ({template.get('language')})"

    old = {key(t): t for t in before or [] if isinstance(t, dict)}
    new = {key(t): t for t in after}
    return TemplateChanges(added=sorted(new.keys() - old.keys()),
                           removed=sorted(old.keys() - new.keys()),
                           changed=sorted(k for k in new.keys() & old.keys() if new[k] != old[k]))
