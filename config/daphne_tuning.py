"""Daphne, minus one thing it never uses.

Twisted parses the form fields of every POST into ``request.args`` and, to know whether it
is a form, reads the Content-Type through the ``email`` package. Daphne never looks at
``args`` (the ASGI application reads the body itself), yet under a burst of webhooks that
parse was a tenth of the server's time (py-spy, bench/telegram_webhooks.py). Twisted sets
the switch per request in ``Request.__init__``; a read-only property on Daphne's request
class keeps it off.
"""


def skip_twisted_form_parsing() -> None:
    try:
        from daphne.http_protocol import WebRequest
    except ImportError:  # served by another ASGI server
        return
    WebRequest._parsePOSTFormSubmission = property(lambda request: False,
                                                   lambda request, value: None)
