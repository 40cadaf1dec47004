"""Reading Slack's Events API payloads: a customer's message becomes an InboundMessage, an
agent's answer in a mirrored Slack thread an InboundAction; everything else is ignored."""


from ..adapters.base import InboundMessage
from ..models import Channel, SlackMirror
from ..payloads import load_document
from .agent_replies import SlackThreadMessage
from .client import MAX_FILE_BYTES, download_file, user_profile

# Conversations a customer writes to us in: a DM with the app, or a (Slack Connect)
# channel shared with the customer's company.
CUSTOMER_CONVERSATIONS = {"im", "channel", "group", "mpim"}
# Message subtypes written by a person; the others (edits, deletions, joins, bots) are not
# a new message.
HUMAN_SUBTYPES = {None, "file_share", "thread_broadcast"}




def parse_events(channel: Channel, body: bytes) -> list:
    document = load_document(body)
    event = document.get("event")
    if document.get("type") != "event_callback" or not isinstance(event, dict):
        return []
    if event.get("type") != "message" or event.get("subtype") not in HUMAN_SUBTYPES:
        return []
    if event.get("bot_id") or event.get("user") is None:
        return []
    for name in ("user", "ts", "channel"):
        if not isinstance(event.get(name), str) or not event[name]:
            raise ValueError(f"the message event has no valid {name!r}")
    for name in ("text", "thread_ts", "channel_type"):
        if event.get(name) is not None and not isinstance(event[name], str):
            raise ValueError(f"the message event's {name!r} is not a string")
    workspace = str(document.get("team_id") or event.get("team") or "")
    mirror_channel = (channel.settings or {}).get("mirror_channel")
    if mirror_channel and event["channel"] == mirror_channel:
        return _mirror_thread_message(channel, event, workspace)
    if event.get("channel_type") not in CUSTOMER_CONVERSATIONS:
        return []
    return [_customer_message(channel, document, event, workspace)]


def _mirror_thread_message(channel, event, workspace) -> list:
    """A reply under a mirrored thread; top-level chatter in the mirror channel is not ours."""
    thread_ts = event.get("thread_ts")
    text = slack_to_plain(event.get("text") or "").strip()
    if not thread_ts or thread_ts == event["ts"] or not text:
        return []
    if not SlackMirror.objects.filter(channel=channel, slack_channel=event["channel"],
                                      thread_ts=thread_ts).exists():
        return []  # a conversation among the team, not under a mirrored thread
    profile = user_profile(channel, workspace=workspace, user_id=event["user"])
    return [SlackThreadMessage(slack_channel=event["channel"], thread_ts=thread_ts,
                               ts=event["ts"], user=event["user"], text=text,
                               email=profile.email)]


def _customer_message(channel, document, event, workspace) -> InboundMessage:
    profile = user_profile(channel, workspace=workspace, user_id=event["user"])
    attachments, skipped = _attachments(channel, event.get("files"))
    metadata = {"slack_channel": event["channel"], "ts": event["ts"],
                "channel_type": event.get("channel_type"), "team_id": workspace}
    if event.get("thread_ts"):
        metadata["thread_ts"] = event["thread_ts"]
    enterprise = document.get("enterprise_id") or event.get("enterprise")
    if enterprise:
        metadata["enterprise_id"] = str(enterprise)
    if skipped:
        metadata["skipped_files"] = skipped
    return InboundMessage(
        address=event["user"], text=slack_to_plain(event.get("text") or ""),
        external_id=f"{event['channel']}:{event['ts']}", display_name=profile.name,
        verified=True, verified_emails=(profile.email,) if profile.email else (),
        attachments=tuple(attachments), metadata=metadata)


def _attachments(channel, files) -> tuple[list, list[str]]:
    """The files shared with the message, downloaded; the names of those that could not be
    (too large, gone, not Slack's)."""
    from inbox.actions import NewAttachment

    attachments, skipped = [], []
    for entry in files if isinstance(files, list) else []:
        if not isinstance(entry, dict):
            continue
        name = str(entry.get("name") or entry.get("title") or "file")[:200]
        url = entry.get("url_private_download") or entry.get("url_private")
        size = entry.get("size") if isinstance(entry.get("size"), int) else 0
        content = (download_file(channel, url)
                   if isinstance(url, str) and size <= MAX_FILE_BYTES else None)
        if content is None:
            skipped.append(name)
            continue
        attachments.append(NewAttachment(
            filename=name, content=content,
            content_type=str(entry.get("mimetype") or "application/octet-stream")))
    return attachments, skipped


def slack_to_plain(text: str) -> str:
    """Slack escapes &, < and > in message text; the inbox shows the characters."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
