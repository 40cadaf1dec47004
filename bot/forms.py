"""The article form of the in-app page: the team picked among the editor's teams."""

from django import forms
from django.utils.translation import gettext_lazy as _

from inbox.api_selectors import teams_for

from .models import Article


class ArticleForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = ["team", "question", "keywords", "answer", "is_active"]
        widgets = {"keywords": forms.Textarea(attrs={"rows": 4}),
                   "answer": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        team = self.fields["team"]
        team.queryset = teams_for(user)
        team.empty_label = _("All teams")
        team.required = False


class TryForm(forms.Form):
    """A question to try against a team's articles: shows the match, sends nothing."""

    question = forms.CharField(label=_("Question"), max_length=2000)
    team = forms.ModelChoiceField(label=_("Team"), queryset=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams_for(user)
