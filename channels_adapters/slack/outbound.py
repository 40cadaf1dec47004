"""Sending an agent's reply to a customer on Slack: where the customer last wrote (their
DM or the shared channel, in their Slack thread if they wrote in one), else a new DM."""

from inbox.models import Message

from ..selectors import last_inbound_metadata
from .client import CALL_ERRORS, delivery_error, escape, web_client


def send_message(message: Message) -> str:
    """Post ``message``; return ``"<slack channel>:<ts>"`` (``":file:<id>"`` with files)."""
    client = web_client(message.channel)
    last = last_inbound_metadata(message)
    try:
        slack_channel = last.get("slack_channel") or client.conversations_open(
            users=message.identity.address)["channel"]["id"]
        thread_ts = last.get("thread_ts") or None
        attachments = list(message.attachments.all())
        if attachments:
            # One upload carries the files and the text, as one Slack message.
            response = client.files_upload_v2(
                file_uploads=[{"file": a.read(), "filename": a.filename, "title": a.filename}
                              for a in attachments],
                channel=slack_channel, thread_ts=thread_ts,
                initial_comment=escape(message.text) or None)
            return f"{slack_channel}:file:{response['files'][0]['id']}"
        response = client.chat_postMessage(channel=slack_channel, text=escape(message.text),
                                           thread_ts=thread_ts)
        return f"{response['channel']}:{response['ts']}"
    except CALL_ERRORS as error:
        raise delivery_error(error) from error


