"""The thread page's macro picker posts here: one view, one action."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from inbox.views.commands import thread_command

from .actions import apply_macro
from .selectors import macros_for


@thread_command
def apply(request, thread):
    raw = request.POST.get("macro", "")
    macro = macros_for(request.user).filter(pk=int(raw)).first() if raw.isdigit() else None
    if macro is None:
        raise ValidationError(_("Unknown macro."))
    apply_macro(macro=macro, thread=thread, by=request.user)
    return {"macro": macro.name}
