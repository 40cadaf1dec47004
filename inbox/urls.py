from django.urls import path

from .views import commands, pages, thread

app_name = "inbox"

urlpatterns = [
    path("", pages.inbox, name="inbox"),
    path("list/", pages.thread_list, name="list"),
    path("counts/", pages.counts, name="counts"),
    path("t/<int:thread_id>/", pages.inbox, name="thread"),
    path("t/<int:thread_id>/row/", pages.thread_row, name="row"),
    path("t/<int:thread_id>/pane/", thread.pane, name="pane"),
    path("t/<int:thread_id>/header/", thread.header, name="header"),
    path("t/<int:thread_id>/similar/", thread.similar, name="similar"),
    path("t/<int:thread_id>/messages/", thread.older_messages, name="older"),
    path("t/<int:thread_id>/m/<int:message_id>/", thread.message, name="message"),
    path("t/<int:thread_id>/a/<int:attachment_id>/", thread.attachment, name="attachment"),
    path("t/<int:thread_id>/reply/", commands.reply, name="reply"),
    path("t/<int:thread_id>/note/", commands.note, name="note"),
    path("t/<int:thread_id>/interaction/", commands.interaction, name="interaction"),
    path("t/<int:thread_id>/assign/", commands.assign, name="assign"),
    path("t/<int:thread_id>/status/", commands.status, name="status"),
    path("t/<int:thread_id>/snooze/", commands.snooze, name="snooze"),
    path("t/<int:thread_id>/tags/", commands.tags, name="tags"),
    path("t/<int:thread_id>/read/", commands.read, name="read"),
    path("t/<int:thread_id>/retry/", commands.retry, name="retry"),
    path("t/<int:thread_id>/merge/", commands.merge, name="merge"),
    path("t/<int:thread_id>/undo-merge/", commands.undo, name="undo_merge"),
]
