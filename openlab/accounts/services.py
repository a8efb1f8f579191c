"""Roles, the groups that carry their permissions in Wagtail, and partner applications.

How partners get access to exactly their stakeholder's pages is described in
openlab/accounts/partner_access.py.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from openlab.accounts.models import PartnerMembership, Profile, Role

FACILITATORS = "ファシリテーター"
PARTNERS = "パートナー"
APPROVAL_WORKFLOW = "ファシリテーター承認"

FACILITATOR_PAGE_PERMISSIONS = [
    "add_page",
    "change_page",
    "publish_page",
    "bulk_delete_page",
    "lock_page",
    "unlock_page",
]
FACILITATOR_MODEL_PERMISSIONS = [
    ("wagtailadmin", "access_admin"),
    ("openlab", "add_town"),
    ("openlab", "change_town"),
    ("openlab", "delete_town"),
    ("stakeholders", "add_offerneedterm"),
    ("stakeholders", "change_offerneedterm"),
    ("stakeholders", "delete_offerneedterm"),
    ("accounts", "change_partnermembership"),
    ("accounts", "view_partnermembership"),
]


def _permission(app_label, codename):
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@transaction.atomic
def ensure_role_groups():
    """Create the facilitator and partner groups with their permissions (idempotent)."""
    facilitators, _ = Group.objects.get_or_create(name=FACILITATORS)
    partners, _ = Group.objects.get_or_create(name=PARTNERS)
    root = Page.get_first_root_node()
    for codename in FACILITATOR_PAGE_PERMISSIONS:
        GroupPagePermission.objects.get_or_create(
            group=facilitators, page=root, permission=_permission("wagtailcore", codename)
        )
    facilitators.permissions.add(
        *[_permission(app, codename) for app, codename in FACILITATOR_MODEL_PERMISSIONS]
    )
    collection = Collection.get_first_root_node()
    for codename in ("add_image", "change_image", "choose_image"):
        GroupCollectionPermission.objects.get_or_create(
            group=facilitators,
            collection=collection,
            permission=_permission("wagtailimages", codename),
        )
    facilitators.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="wagtailcore",
            codename__in=["add_workflow", "change_workflow", "add_task", "change_task"],
        )
    )
    partners.permissions.add(_permission("wagtailadmin", "access_admin"))
    for codename in ("add_image", "choose_image"):
        GroupCollectionPermission.objects.get_or_create(
            group=partners,
            collection=collection,
            permission=_permission("wagtailimages", codename),
        )
    # Partners create projects and events (the form checks the lead/organiser is
    # theirs); they edit what they own through their stakeholder's group.
    from events.models import EventIndexPage
    from projects.models import ProjectIndexPage

    for index in [*ProjectIndexPage.objects.all(), *EventIndexPage.objects.all()]:
        GroupPagePermission.objects.get_or_create(
            group=partners, page=index, permission=_permission("wagtailcore", "add_page")
        )
    ensure_approval_workflow(facilitators)
    return facilitators, partners


def ensure_approval_workflow(facilitators=None):
    """The "ファシリテーター承認" workflow on the home page, so it covers all content."""
    from openlab.models import HomePage

    facilitators = facilitators or Group.objects.get(name=FACILITATORS)
    workflow, _ = Workflow.objects.get_or_create(name=APPROVAL_WORKFLOW, defaults={"active": True})
    task = GroupApprovalTask.objects.filter(name=APPROVAL_WORKFLOW).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=APPROVAL_WORKFLOW)
    task.groups.add(facilitators)
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    home = HomePage.objects.first()
    if home is not None:
        WorkflowPage.objects.update_or_create(page=home, defaults={"workflow": workflow})
    return workflow


def create_user(username, email, password, role, display_name="", **profile_fields):
    """A user with a profile of `role`; facilitators join the facilitator group."""
    user = get_user_model().objects.create_user(username=username, email=email, password=password)
    Profile.objects.create(user=user, role=role, display_name=display_name, **profile_fields)
    if email:
        # Accounts made by facilitators (and the demo) are vouched for: without
        # a verified address, allauth's mandatory verification would lock them out.
        from allauth.account.models import EmailAddress

        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
    if role == Role.FACILITATOR:
        user.groups.add(Group.objects.get(name=FACILITATORS))
    return user


class ApplicationError(ValueError):
    """A partner application that cannot be accepted; the message is for users (Japanese)."""


CHILD_REFUSAL = _(
    "こども大使のアカウントでは、パートナー申請はできません。団体のパートナーになれるのは"
    "おとなの方だけです。"
)
ONE_PENDING_REFUSAL = _(
    "承認待ちの申請がすでにあります。ファシリテーターが判断してから、次の申請をしてください。"
)


def check_may_apply(user):
    """Children never apply; anyone else has at most one application awaiting a decision
    (an application for a new organisation writes a draft page, so they were unlimited).
    The user's row is locked first: two submissions at once cannot both pass the check."""
    from openlab.accounts.permissions import is_ambassador

    if is_ambassador(user):
        raise ApplicationError(CHILD_REFUSAL)
    list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk"))
    if has_pending_application(user):
        raise ApplicationError(ONE_PENDING_REFUSAL)


def has_pending_application(user):
    return PartnerMembership.objects.filter(
        user=user, status=PartnerMembership.Status.PENDING
    ).exists()


@transaction.atomic
def apply_for_partnership(user, stakeholder=None, new_name="", new_kind="", message=""):
    """Ask to speak for an existing stakeholder, or register a new one (kept as a draft).

    Returns the pending PartnerMembership. A facilitator decides with
    approve_membership / reject_membership.
    """
    from stakeholders.models import StakeholderKind
    from stakeholders.services import create_draft_stakeholder

    check_may_apply(user)
    if stakeholder is None:
        new_name = (new_name or "").strip()
        if not new_name:
            raise ApplicationError("ステークホルダーを選ぶか、新しい団体名を入力してください。")
        if new_kind not in StakeholderKind.values:
            raise ApplicationError("新しいステークホルダーの種別を選んでください。")
        stakeholder = create_draft_stakeholder(new_name, new_kind, owner=user)
        is_new = True
    else:
        is_new = False
    existing = PartnerMembership.objects.filter(user=user, stakeholder=stakeholder).first()
    if existing and existing.status == PartnerMembership.Status.APPROVED:
        raise ApplicationError("このステークホルダーのパートナーとしてすでに承認されています。")
    if existing and existing.status == PartnerMembership.Status.PENDING:
        raise ApplicationError("このステークホルダーへの申請はすでに承認待ちです。")
    membership, _ = PartnerMembership.objects.update_or_create(
        user=user,
        stakeholder=stakeholder,
        defaults={
            "status": PartnerMembership.Status.PENDING,
            "message": message.strip()[:2000],
            "new_stakeholder": is_new,
            "decided_at": None,
            "decided_by": None,
        },
    )
    log(instance=membership, action="openlab.partner_applied", user=user)
    return membership


@transaction.atomic
def approve_membership(user, stakeholder, by=None):
    """Make `user` an approved partner of `stakeholder` (idempotent).

    The signal in partner_access adds them to the stakeholder's group, which
    holds the page permissions on everything the stakeholder owns.
    """
    from openlab.accounts.partner_access import sync_stakeholder_pages

    ensure_role_groups_exist()
    membership, _ = PartnerMembership.objects.update_or_create(
        user=user,
        stakeholder=stakeholder,
        defaults={
            "status": PartnerMembership.Status.APPROVED,
            "decided_at": timezone.now(),
            "decided_by": by,
        },
    )
    profile, _ = Profile.objects.get_or_create(user=user)
    if profile.role == Role.CITIZEN:
        profile.role = Role.PARTNER
        profile.save(update_fields=["role"])
    sync_stakeholder_pages(stakeholder)
    user.groups.add(Group.objects.get(name=PARTNERS))
    log(instance=membership, action="openlab.partner_approved", user=by)
    return membership


@transaction.atomic
def reject_membership(membership, by=None):
    membership.status = PartnerMembership.Status.REJECTED
    membership.decided_at = timezone.now()
    membership.decided_by = by
    membership.save()
    log(instance=membership, action="openlab.partner_rejected", user=by)
    return membership


def ensure_role_groups_exist():
    if not Group.objects.filter(name=PARTNERS).exists():
        ensure_role_groups()


def ensure_profile(request=None, user=None, **kwargs):
    """allauth's user_signed_up receiver: every new account starts as a citizen."""
    Profile.objects.get_or_create(user=user)
