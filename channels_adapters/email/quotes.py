"""Quoted history in replies: where the customer's new words end and the quoted
conversation (or the signature) begins."""

import re

REPLY_HEADER = re.compile(
    r"^\s*(?:On\s.*\swrote|Le\s.*\sa\s+écrit|Am\s.*\sschrieb.*|.*\sschrieb\s+am\s.*"
    r"|El\s.*\sescribió|Il\s.*\sha\s+scritto|Op\s.*\sschreef.*|Em\s.*\sescreveu)\s*:\s*$",
    re.IGNORECASE,
)
ORIGINAL_MESSAGE = re.compile(
    r"^\s*-{2,}\s*(?:Original Message|Ursprüngliche Nachricht|Message d'origine"
    r"|Mensaje original|Messaggio originale|Oorspronkelijk bericht)\s*-{2,}\s*$",
    re.IGNORECASE,
)
OUTLOOK_FROM = re.compile(r"^\s*\*?(?:From|De|Von|Da|Van)\s*:\*?\s", re.IGNORECASE)
OUTLOOK_SENT = re.compile(
    r"^\s*\*?(?:Sent|Date|Envoyé|Gesendet|Enviado|Datum|Inviato|Verzonden|Fecha)\s*:",
    re.IGNORECASE)


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _history_start(lines: list[str]) -> int | None:
    """Where the first reply header or Outlook original-message block begins."""
    for index, line in enumerate(lines):
        if ORIGINAL_MESSAGE.match(line):
            return index
        if OUTLOOK_FROM.match(line) and any(OUTLOOK_SENT.match(following)
                                            for following in lines[index + 1:index + 4]):
            above = index - 1
            while above >= 0 and not lines[above].strip():
                above -= 1
            underline = above >= 0 and re.fullmatch(r"\s*_{10,}\s*", lines[above])
            return above if underline else index
        for header in (line, f"{line} {lines[index + 1] if index + 1 < len(lines) else ''}"):
            if len(header) < 400 and REPLY_HEADER.match(header) and re.search(r"\d", header):
                # Interleaved answers below the quote mean the history is part of the reply.
                rest = lines[index + 1:]
                quoted = [i for i, following in enumerate(rest) if _is_quoted(following)]
                if quoted and any(following.strip() and not _is_quoted(following)
                                  for following in rest[quoted[0]:]):
                    break
                return index
    return None


def trim_quoted(text: str) -> str:
    """``text`` without the quoted history and the signature; never empty if text is not."""
    lines = text.split("\n")
    cut = _history_start(lines)
    if cut is None:
        cut = len(lines)
        while cut > 0 and (not lines[cut - 1].strip() or _is_quoted(lines[cut - 1])):
            cut -= 1
        if not any(_is_quoted(line) for line in lines[cut:]):
            cut = len(lines)
    lines = lines[:cut]
    for index in range(len(lines) - 1, -1, -1):
        if lines[index] == "-- " or (lines[index] == "--" and len(lines) - index <= 10):
            lines = lines[:index]
            break
    trimmed = "\n".join(lines).strip()
    return trimmed or text.strip()
