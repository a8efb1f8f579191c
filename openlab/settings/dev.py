"""`make dev`: the embedded default (openlab.settings.local) with DEBUG on, for developers
only (Django's debug page shows settings and every URL pattern to whoever gets an error)."""

from .local import *  # noqa: F403

DEBUG = True
