"""Text compared as people read it: without case and without accents ("Remboursé" is
"rembourse"). One definition for every such comparison: the similar-customer names, the
rules' text, tag and attribute conditions, and the bot's matching."""

import unicodedata


def fold(text: str) -> str:
    """Case-folded, accents removed: "Réglé" → "regle", "Straße" → "strasse"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))
