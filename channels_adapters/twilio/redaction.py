"""Twilio puts the account SID in every REST and media URL, and the libraries log URLs at
INFO: the SID is kept among the channel's secrets, so it is masked wherever it is logged."""

import logging
import re

ACCOUNT_SID = re.compile(r"AC[0-9a-fA-F]{32}")


def redact(text: str) -> str:
    return ACCOUNT_SID.sub("AC…", text)


class RedactAccountSid(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if ACCOUNT_SID.search(message):
            record.msg, record.args = redact(message), ()
        return True


def redacting_logger(name: str) -> logging.Logger:
    """``name``'s logger, masking account SIDs in what is logged on it directly."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, RedactAccountSid) for f in logger.filters):
        logger.addFilter(RedactAccountSid())
    return logger
