"""Every state change of the inbox: one function each (see DESIGN.md, rule 1)."""

from .delivery import message_mark_failed, message_mark_sent, message_update_delivery, retry_message
from .messages import (
    Incoming,
    NewAttachment,
    Received,
    add_note,
    log_interaction,
    receive_message,
    receive_messages,
    send_reply,
)
from .threads import (
    assign_thread,
    change_status,
    set_priority,
    snooze_thread,
    tag_thread,
    wake_snoozed_threads,
)

__all__ = [
    "Incoming",
    "NewAttachment",
    "Received",
    "add_note",
    "assign_thread",
    "change_status",
    "log_interaction",
    "message_mark_failed",
    "message_mark_sent",
    "message_update_delivery",
    "receive_message",
    "receive_messages",
    "retry_message",
    "send_reply",
    "set_priority",
    "snooze_thread",
    "tag_thread",
    "wake_snoozed_threads",
]
