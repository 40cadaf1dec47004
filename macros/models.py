"""A macro: a named sequence of inbox actions an agent applies to a thread at once."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .steps import validate_steps


class Macro(models.Model):
    name = models.CharField(_("name"), max_length=100)
    team = models.ForeignKey(
        "inbox.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="macros",
        help_text=_("Empty: every team's agents may use it."),
    )
    steps = models.JSONField(
        _("steps"), default=list, validators=[validate_steps],
        help_text=_('A list of steps, applied in order, e.g. [{"action": "tag", "add": '
                    '["refund"]}, {"action": "reply", "text": "Hello {{ customer.first_name }}"},'
                    ' {"action": "status", "status": "resolved"}]. See docs/macros.md.'),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="macro_team_name_uniq"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # Validated on every save, not only in forms: a macro that cannot run is never stored.
        validate_steps(self.steps)
        super().save(*args, **kwargs)
