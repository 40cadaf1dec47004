"""What the bot reads from a customer's message, and the note it leaves an agent: pure
functions, no database (``bot.actions`` does the writes)."""


from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inbox.folding import fold

from .matching import WORD
from .models import BotConversation

# Folded (lower-case, no accents) and matched as whole words: "talk to" is not in "stalk to".
HAND_OFF_PHRASES = (
    "human", "humans", "agent", "agents", "person", "someone", "somebody", "operator",
    "representative", "real person", "talk to", "speak to", "speak with", "call me",
    "humain", "un humain", "parler a", "parler avec", "conseiller", "conseillere",
    "quelqu un", "une personne", "operateur", "operatrice",
)
# The whole message saying the answer did not help (after "Did that answer your question?").
NOT_HELPED = frozenset({"no", "nope", "non", "not really", "no it didn t", "no it did not",
                        "no it didn t help", "no that didn t help", "that didn t help",
                        "it didn t help", "didn t help", "not helpful", "pas vraiment",
                        "non pas vraiment", "ca ne m aide pas", "non ca ne m aide pas"})
QUOTE_LENGTH = 300
TRANSCRIPT_LENGTH = 10


def words_of(text: str) -> str:
    """The text folded to single-spaced words, with a space either side."""
    return " " + " ".join(WORD.findall(fold(text))) + " "


def asks_for_person(text: str, extra_phrases: str = "") -> bool:
    """The customer wants a person: a built-in phrase or one of the team's own."""
    words = words_of(text)
    extra = (line.strip() for line in extra_phrases.splitlines())
    return any(words_of(phrase) in words for phrase in (*HAND_OFF_PHRASES, *extra)
               if words_of(phrase).strip())


def not_helped(text: str) -> bool:
    return words_of(text).strip() in NOT_HELPED


def clip(text: str, length: int = QUOTE_LENGTH) -> str:
    """One line of at most ``length`` characters."""
    line = " ".join(text.split())
    if len(line) > length:
        line = line[: length - 1].rstrip() + "…"
    return line


def transcript_entry(text: str, *, article_id=None, title="", answer="",
                     confidence=None) -> dict:
    return {"asked": clip(text), "article_id": article_id, "title": clip(title),
            "answer": clip(answer), "confidence": confidence}


def remember(conversation: BotConversation, entry: dict) -> None:
    conversation.transcript = [*conversation.transcript, entry][-TRANSCRIPT_LENGTH:]


REASONS = {
    BotConversation.Reason.ASKED: gettext_lazy("customer asked for a person"),
    BotConversation.Reason.UNSURE: gettext_lazy("no confident answer"),
    BotConversation.Reason.NOT_HELPED: gettext_lazy("the answer did not help"),
    BotConversation.Reason.MAX_ANSWERS: gettext_lazy("answers per conversation reached"),
    BotConversation.Reason.NO_TEXT: gettext_lazy("a message without text"),
    BotConversation.Reason.OTHER_CHANNEL: gettext_lazy(
        "the customer wrote on a channel the bot does not answer on"),
}


def hand_off_note(conversation: BotConversation) -> str:
    """The agent's note: why, then each question of the conversation and what the bot
    answered, so the customer is not asked again."""
    lines = [_("Bot hand-off — %(reason)s.") % {"reason": REASONS[conversation.reason]}]
    for entry in conversation.transcript:
        asked = _("Asked: “%(text)s”") % {"text": entry["asked"] or "—"}
        if entry.get("article_id"):
            lines.append(asked + " " + _("Answered: “%(answer)s” (article “%(title)s”).")
                         % {"answer": entry["answer"], "title": entry["title"]})
        elif entry.get("confidence") is not None:
            lines.append(asked + " " + _("(no confident answer)."))
        else:
            lines.append(asked)
    return "\n".join(lines)
