import pytest

from openlab.accounts.models import Role
from openlab.accounts.services import approve_membership, create_user, ensure_role_groups
from tests.factories import ProjectFactory, StakeholderFactory


@pytest.fixture
def roles(site_tree):
    """Stakeholders A and B with a project each, and one user per role."""
    ensure_role_groups()
    a = StakeholderFactory(title="団体A", goals=[11])
    b = StakeholderFactory(title="団体B", goals=[4])
    project_a = ProjectFactory(title="Aのプロジェクト", lead=a)
    project_b = ProjectFactory(title="Bのプロジェクト", lead=b)
    users = {
        "citizen": create_user("citizen", "c@example.jp", "pw-Openlab-1", Role.CITIZEN),
        "partner_a": create_user("pa", "pa@example.jp", "pw-Openlab-1", Role.CITIZEN),
        "partner_b": create_user("pb", "pb@example.jp", "pw-Openlab-1", Role.CITIZEN),
        "facilitator": create_user("fa", "fa@example.jp", "pw-Openlab-1", Role.FACILITATOR),
        "ambassador": create_user(
            "amb", "amb@example.jp", "pw-Openlab-1", Role.AMBASSADOR, nickname="みどり"
        ),
    }
    approve_membership(users["partner_a"], a)
    approve_membership(users["partner_b"], b)
    return {"a": a, "b": b, "project_a": project_a, "project_b": project_b, **users}
