"""Roles and the groups that carry their permissions in Wagtail."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

from openlab.accounts.models import PartnerMembership, Profile, Role

FACILITATORS = "ファシリテーター"
PARTNERS = "パートナー"

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
    partners.permissions.add(_permission("wagtailadmin", "access_admin"))
    return facilitators, partners


def create_user(username, email, password, role, display_name="", **profile_fields):
    """A user with a profile of `role`; facilitators join the facilitator group."""
    user = get_user_model().objects.create_user(username=username, email=email, password=password)
    Profile.objects.create(user=user, role=role, display_name=display_name, **profile_fields)
    if role == Role.FACILITATOR:
        user.groups.add(Group.objects.get(name=FACILITATORS))
    return user


def approve_membership(user, stakeholder):
    membership, _ = PartnerMembership.objects.update_or_create(
        user=user, stakeholder=stakeholder, defaults={"status": PartnerMembership.Status.APPROVED}
    )
    Profile.objects.filter(user=user).update(role=Role.PARTNER)
    user.groups.add(Group.objects.get(name=PARTNERS))
    return membership
