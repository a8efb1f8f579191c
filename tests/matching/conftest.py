"""Helpers for the matching tests: stakeholders with offers, needs, SDGs and towns."""

import itertools

import pytest

from openlab.accounts.models import Role
from openlab.accounts.services import approve_membership, create_user, ensure_role_groups
from openlab.matching.features import Features

_serial = itertools.count(1)


@pytest.fixture
def terms(db):
    from stakeholders.models import OfferNeedTerm

    rows = [
        ("venue", "会場提供"),
        ("volunteers", "ボランティア"),
        ("food", "食材"),
        ("funding", "資金"),
        ("it-support", "IT支援"),
        ("publicity", "広報"),
    ]
    return {
        slug: OfferNeedTerm.objects.get_or_create(slug=slug, defaults={"name": name})[0]
        for slug, name in rows
    }


@pytest.fixture
def make_stakeholder(site_tree, terms):
    from openlab.models import Goal, Target, Town
    from tests.factories import StakeholderFactory

    def make(title=None, kind="npo", offers=(), needs=(), goals=(), targets=(), towns=(), **kw):
        page = StakeholderFactory(title=title or f"団体{next(_serial)}", kind=kind, **kw)
        page.offers.set([terms[slug] for slug in offers])
        page.needs.set([terms[slug] for slug in needs])
        page.goals.set(Goal.objects.filter(number__in=goals))
        page.targets.set(Target.objects.filter(code__in=targets))
        page.towns.set(Town.objects.filter(slug__in=towns))
        page.save_revision().publish()
        page.refresh_from_db()
        return page

    return make


@pytest.fixture
def make_partner(db):
    ensure_role_groups()

    def make(stakeholder, username=None):
        username = username or f"partner{next(_serial)}"
        user = create_user(username, f"{username}@example.jp", "pw-12345678", Role.CITIZEN)
        approve_membership(user, stakeholder)
        return user

    return make


@pytest.fixture
def facilitator(db):
    ensure_role_groups()
    return create_user("fac", "fac@example.jp", "pw-12345678", Role.FACILITATOR)


@pytest.fixture
def citizen(db):
    ensure_role_groups()
    return create_user("citizen1", "citizen1@example.jp", "pw-12345678", Role.CITIZEN)


def features(pk, kind="npo", **kw):
    """An in-memory feature row (no database)."""
    defaults = {
        "key": f"s{pk}",
        "pk": pk,
        "is_project": False,
        "stakeholder_pk": pk,
        "name": f"団体{pk}",
        "kind": kind,
    }
    for name in ("offers", "needs", "goals", "targets", "towns", "collaborators"):
        if name in kw:
            kw[name] = frozenset(kw[name])
    return Features(**{**defaults, **kw})
