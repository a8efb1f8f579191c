"""Reading numbers from query strings and URLs.

`str.isdigit()` is true for "²", "①" and "١", which `int()` refuses or reads as
another number: a page number or id is taken only when written in ASCII digits.
"""

import re

_ASCII_DIGITS = re.compile(r"[0-9]{1,18}")


def positive_int(raw):
    """The positive integer `raw` spells in ASCII digits (surrounding spaces allowed),
    or None for anything else, including 0 and numbers too large for a database id."""
    text = (raw or "").strip()
    if not _ASCII_DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if value > 0 else None
