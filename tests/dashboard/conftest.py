import itertools

import pytest

_serial = itertools.count(1)


@pytest.fixture
def make_user(db):
    from openlab.accounts.models import Role
    from openlab.accounts.services import create_user, ensure_role_groups

    def make(role=Role.CITIZEN, email=None, **profile):
        ensure_role_groups()
        n = next(_serial)
        return create_user(
            f"user{n}", email or f"user{n}@example.jp", "pw-123456-openlab", role, **profile
        )

    return make


def relate(page, **relations):
    """Set many-to-many relations on a live page and save it (no new revision)."""
    for name, values in relations.items():
        getattr(page, name).set(values)
    page.save()
    return page
