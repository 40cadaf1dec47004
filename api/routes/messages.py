"""Routes of the API (see api/urls.py): a thread's timeline, replies, notes and calls, and
one message with its attachments."""

from ..views.messages import CallViewSet, MessageViewSet, NoteViewSet, TimelineViewSet

THREAD = r"threads/(?P<thread_id>[^/]+)"


def register(router) -> None:
    router.register(f"{THREAD}/messages", TimelineViewSet, basename="api-thread-messages")
    router.register(f"{THREAD}/notes", NoteViewSet, basename="api-thread-notes")
    router.register(f"{THREAD}/calls", CallViewSet, basename="api-thread-calls")
    router.register("messages", MessageViewSet, basename="api-message")
