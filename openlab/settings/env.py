"""Every environment variable the settings read goes through these getters.

A bad value stops the start with a message that names the variable and the value
(`ImproperlyConfigured: EMAIL_PORT must be a whole number, got 'x'`) instead of a bare
`int()` traceback that names neither. An unset or blank variable gives the default.
"""

import os
import sys

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def _raw(name):
    """The variable's value without surrounding spaces, or None when unset or blank."""
    value = os.environ.get(name, "").strip()
    return value or None


def _bad(name, expected, value):
    return ImproperlyConfigured(
        f"{name} must be {expected}, got {value!r} / 環境変数 {name} の値 {value!r} が不正です"
    )


def env_str(name, default=""):
    """The value as written (spaces kept), or default when the variable is unset."""
    return os.environ.get(name, default)


def _in_range(name, number, minimum, maximum, value):
    if minimum is not None and number < minimum:
        raise _bad(name, f"at least {minimum}", value)
    if maximum is not None and number > maximum:
        raise _bad(name, f"at most {maximum}", value)
    return number


def env_int(name, default, minimum=None, maximum=None):
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise _bad(name, "a whole number", value) from None
    return _in_range(name, number, minimum, maximum, value)


def env_float(name, default, minimum=None, maximum=None):
    value = _raw(name)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        raise _bad(name, "a number", value) from None
    if number != number or number in (float("inf"), float("-inf")):  # nan, inf
        raise _bad(name, "a finite number", value)
    return _in_range(name, number, minimum, maximum, value)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    # A variable set but blank has always meant off (SECURE_SSL_REDIRECT= turns the
    # redirect off): kept so.
    if word in FALSE_WORDS or not word:
        return False
    raise _bad(name, "one of 1/0, true/false, yes/no, on/off", value)


def env_list(name, default=""):
    """A comma-separated list; empty items are dropped."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def required(name):
    """The value of a required variable; without it, one clear line and exit 1 (the
    production settings refuse to start this way, without a traceback)."""
    value = _raw(name)
    if value is None:
        sys.stderr.write(
            f"openlab: 環境変数 {name} が設定されていません / missing environment variable {name}\n"
        )
        raise SystemExit(1)
    return value
