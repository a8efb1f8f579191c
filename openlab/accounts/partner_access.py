"""Partner access in the Wagtail admin, through Wagtail's own page permissions.

How it works (other apps can rely on it without doing anything):

* A stakeholder with partners has a Django group (``PartnerGroup``), named
  "パートナー: <stakeholder> #<pk>", created when its first partner is
  approved. Approved partners of the stakeholder are its members
  (``sync_membership``, run by a signal whenever a PartnerMembership is saved
  or deleted).
* That group holds exactly one ``GroupPagePermission`` ("change_page") on every
  page the stakeholder owns according to ``permissions.owning_stakeholder_ids``:
  the stakeholder page itself, projects it leads or partners, events it
  organises, reports of its ambassador group. ``sync_page`` recomputes the rows
  of one page; a post_save signal runs it for every full save of those page
  types (creation, publish, copy), so changing a project's lead or an event's
  organisers moves the permission with it. Pages have no children, so a
  permission on a page covers nothing else.
* The shared "パートナー" group may enter the admin, upload images, and *add*
  pages under the project and event index pages (Wagtail lets an adder edit the
  drafts they created). No partner permission includes "publish": every
  partner change is submitted to the "ファシリテーター承認" workflow, which
  covers the whole site, and only facilitators approve it. Every step is in
  Wagtail's history (audit log).
* Because the refusal comes from Wagtail's PagePermissionTester, every admin
  view refuses a partner on another stakeholder's page: edit, publish,
  unpublish, delete, move, copy, preview, revisions, history, workflow, lock.
* What a partner *sees* in the admin is narrowed the same way: Wagtail counts every
  page below one a user may add to as "explorable", which would list other
  stakeholders' drafts (their titles) in admin search, the admin API, the site
  history and type listings. ``PartnerPagePermissionPolicy`` (registered for
  pages in AccountsConfig.ready) keeps a partner's explorable pages to
  ``partner_page_filter``: pages they may change, pages they own, and the way to
  them. ``stakeholders.wagtail_hooks`` applies the same filter to the explorer
  and the page chooser, and refuses the move confirmation to whoever may not move.
  Views that show the title of a page named by id (the explorer and chooser of one
  page, the chooser's "chosen" step, the bulk-action confirmations) have no hook:
  ``PartnerAdminPageGuard`` (a middleware) answers 403 there for a page that is not
  public or the partner's own, and keeps the page-types report for facilitators.
  The page forms offer only public pages and the partner's own as choices
  (``PartnerPageForm.offer_only_visible_pages``).
  The page forms refuse a lead or organiser that is not one of the partner's
  stakeholders (projects.forms.ProjectPageForm does it for ProjectPage;
  ``openlab.accounts.forms.PartnerPageForm`` is a base form doing it for
  ProjectPage.lead and EventPage.organisers).
"""

import logging

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from wagtail.permission_policies.pages import PagePermissionPolicy

from openlab.accounts.models import PartnerGroup, PartnerMembership

logger = logging.getLogger(__name__)

PARTNER_PAGE_PERMISSION = "change_page"
GROUP_PREFIX = "パートナー: "


def _change_permission():
    return Permission.objects.get(content_type__app_label="wagtailcore", codename="change_page")


def _group_name(stakeholder):
    return f"{GROUP_PREFIX}{stakeholder.title[:100]} #{stakeholder.pk}"


def group_for(stakeholder):
    """The stakeholder's partner group, created (and renamed) as needed."""
    link = PartnerGroup.objects.select_related("group").filter(stakeholder=stakeholder).first()
    name = _group_name(stakeholder)
    if link is None:
        group, _ = Group.objects.get_or_create(name=name)
        link = PartnerGroup.objects.create(stakeholder=stakeholder, group=group)
    elif link.group.name != name:
        link.group.name = name
        link.group.save(update_fields=["name"])
    return link.group


def _owned_page_types():
    from events.models import EventPage
    from projects.models import ProjectPage, ReportPage
    from stakeholders.models import StakeholderPage

    return (StakeholderPage, ProjectPage, EventPage, ReportPage)


@transaction.atomic
def sync_page(page):
    """Give the partner groups of exactly the page's owners "change" on the page."""
    from wagtail.models import GroupPagePermission

    from openlab.accounts.permissions import owning_stakeholder_ids

    owners = owning_stakeholder_ids(page)
    # Groups exist only for stakeholders that have (had) partners: approve_membership
    # creates the group and then syncs every page the stakeholder owns.
    wanted = set(
        PartnerGroup.objects.filter(stakeholder_id__in=owners).values_list("group_id", flat=True)
    )
    permission = _change_permission()
    existing = GroupPagePermission.objects.filter(
        page_id=page.pk, group__partner_stakeholder__isnull=False
    )
    existing.exclude(group_id__in=wanted).delete()
    have = set(existing.values_list("group_id", flat=True))
    GroupPagePermission.objects.bulk_create(
        [
            GroupPagePermission(group_id=group_id, page_id=page.pk, permission=permission)
            for group_id in wanted - have
        ]
    )


def sync_stakeholder_pages(stakeholder):
    """Create the stakeholder's group and recompute every page it may own."""
    from django.db.models import Q

    from events.models import EventPage
    from projects.models import ProjectPage, ReportPage

    group_for(stakeholder)
    sync_page(stakeholder)
    for queryset in (
        ProjectPage.objects.filter(Q(lead=stakeholder) | Q(partners=stakeholder)).distinct(),
        EventPage.objects.filter(organisers=stakeholder),
        ReportPage.objects.filter(ambassador_group=stakeholder),
    ):
        for page in queryset:
            sync_page(page)


def sync_all_pages():
    """Recompute every owned page's partner permissions (used by seeding and repairs)."""
    for model in _owned_page_types():
        for page in model.objects.all():
            sync_page(page)


def sync_membership(user, stakeholder):
    """Make group membership follow the PartnerMembership between `user` and `stakeholder`."""
    from openlab.accounts.services import PARTNERS

    group = group_for(stakeholder)
    approved = PartnerMembership.objects.filter(
        user=user, stakeholder=stakeholder, status=PartnerMembership.Status.APPROVED
    ).exists()
    if approved:
        user.groups.add(group)
        partners = Group.objects.filter(name=PARTNERS).first()
        if partners:
            user.groups.add(partners)
    else:
        user.groups.remove(group)
        still_partner = PartnerMembership.objects.filter(
            user=user, status=PartnerMembership.Status.APPROVED
        ).exists()
        if not still_partner:
            user.groups.remove(*Group.objects.filter(name=PARTNERS))
    # Wagtail caches page permissions on the user object for a request.
    for attr in ("_page_permission_cache", "_explorable_root_page_cache", "_perm_cache"):
        if hasattr(user, attr):
            delattr(user, attr)


# --- what a partner sees in the admin ---------------------------------------------------
def sees_every_page(user):
    from openlab.accounts.permissions import is_facilitator

    return user.is_superuser or is_facilitator(user)


def partner_page_filter(user):
    """The pages a partner may see in the admin: those their groups may change, those they
    own (their own new drafts), and the way to them (ancestors, the index pages)."""
    from wagtail.models import GroupPagePermission

    granted = GroupPagePermission.objects.filter(group__user=user).select_related(
        "page", "permission"
    )
    paths, ids = set(), set()
    for permission in granted:
        page = permission.page
        if permission.permission.codename == PARTNER_PAGE_PERMISSION:
            ids.add(page.pk)
        steps = len(page.path) // page.steplen
        paths.update(page.path[: page.steplen * n] for n in range(1, steps + 1))
    return Q(pk__in=ids) | Q(path__in=paths) | Q(owner=user)


class PartnerPagePermissionPolicy(PagePermissionPolicy):
    """Wagtail's page policy, with a partner's explorable pages kept to partner_page_filter."""

    def explorable_instances(self, user):
        pages = super().explorable_instances(user)
        if not user.is_authenticated or sees_every_page(user):
            return pages
        return pages.filter(partner_page_filter(user))


def register_page_policy():
    from wagtail.models import AbstractPage
    from wagtail.permissions import register_permission_policy

    register_permission_policy(AbstractPage, PartnerPagePermissionPolicy("wagtailcore.Page"))


# --- signals -------------------------------------------------------------------------
def _page_saved(sender, instance, created, update_fields=None, raw=False, **kwargs):
    if raw or not isinstance(instance, _owned_page_types()):
        return
    # Revision saves only touch bookkeeping columns: ownership is what is live.
    if update_fields is not None and not created:
        return
    sync_page(instance)


def _membership_changed(sender, instance, **kwargs):
    try:
        stakeholder = instance.stakeholder
    except Exception:  # the stakeholder is being deleted with its memberships
        return
    sync_membership(instance.user, stakeholder)


def connect_signals():
    post_save.connect(_page_saved, dispatch_uid="partner_access_page_saved")
    post_save.connect(
        _membership_changed, sender=PartnerMembership, dispatch_uid="partner_access_membership"
    )
    post_delete.connect(
        _membership_changed,
        sender=PartnerMembership,
        dispatch_uid="partner_access_membership_deleted",
    )


# --- admin views that name pages by id ---------------------------------------------------
def explorable_page_ids(user):
    """Pages a partner may open in the explorer and the bulk actions (which show the
    draft title): their own pages and the way to them."""
    from wagtail.models import Page

    return set(Page.objects.filter(partner_page_filter(user)).values_list("pk", flat=True))


def choosable_page_ids(user):
    """Pages a partner may see in the page chooser: published pages whose title is the
    public one, and their own."""
    from wagtail.models import Page

    public = Q(live=True, has_unpublished_changes=False)
    return set(Page.objects.filter(public | partner_page_filter(user)).values_list("pk", flat=True))


def _requested_page_ids(request, match):
    """The page ids an admin view will show: its URL's page id, or the `id` list of a
    chooser or bulk action ("all" means every child of `childOf`). None for a view that
    names no page."""
    from wagtail.models import Page

    if "parent_page_id" in match.kwargs:
        return [str(match.kwargs["parent_page_id"])]
    ids = request.GET.getlist("id")
    if "all" in ids:
        parent = request.GET.get("childOf", "")
        children = Page.objects.filter(pk=parent).first() if parent.isdigit() else None
        if children is None:
            return ["all"]  # refused: a partner's "all" must name a parent they may see
        ids = [parent, *(str(pk) for pk in children.get_children().values_list("pk", flat=True))]
    return ids


# url name -> which pages a partner may see there
_PAGE_VIEWS = {
    "wagtailadmin_explore": explorable_page_ids,
    "wagtailadmin_explore_results": explorable_page_ids,
    "wagtailadmin_choose_page_child": choosable_page_ids,
    "wagtailadmin_choose_page_chosen_multiple": choosable_page_ids,
    "wagtail_bulk_action": explorable_page_ids,
}
# Lists every page type with its latest edited page (by draft title): facilitators only.
_FACILITATOR_VIEWS = {
    "wagtailadmin_reports:page_types_usage",
    "wagtailadmin_reports:page_types_usage_results",
}


class PartnerAdminPageGuard:
    """Refuses (403) a partner any Wagtail admin view that would show a page they may not
    see, by the page ids it is given.

    Wagtail has no hook for these: the explorer and the page chooser show the title of the
    page named in the URL, the bulk-action confirmations and the chooser's "chosen" step
    the titles of every `id` in the query string, whatever the user's permissions, and
    page ids are sequential. The listings themselves are filtered by the hooks in
    stakeholders.wagtail_hooks. Facilitators, and whoever may not enter the admin at all
    (Wagtail sends them to sign in), pass through.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from django.core.exceptions import PermissionDenied

        match = request.resolver_match
        name = match.view_name if match else ""
        if name not in _PAGE_VIEWS and name not in _FACILITATOR_VIEWS:
            return None
        user = request.user
        if not user.has_perm("wagtailadmin.access_admin") or sees_every_page(user):
            return None
        if name in _FACILITATOR_VIEWS:
            raise PermissionDenied
        if name == "wagtail_bulk_action" and (
            view_kwargs.get("app_label"),
            view_kwargs.get("model_name"),
        ) != ("wagtailcore", "page"):
            return None
        requested = set(_requested_page_ids(request, match))
        if requested and not requested <= {str(pk) for pk in _PAGE_VIEWS[name](user)}:
            raise PermissionDenied
        return None
