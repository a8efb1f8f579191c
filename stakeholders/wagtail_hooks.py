from django.db.models import Q
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.auth import permission_denied
from wagtail.admin.menu import MenuItem
from wagtail.models import Page

from openlab.accounts.partner_access import partner_page_filter, sees_every_page
from openlab.accounts.permissions import is_facilitator
from stakeholders import views


@hooks.register("construct_explorer_page_queryset")
def only_own_pages_for_partners(parent_page, pages, request):
    """Partners see in the explorer only the pages they may edit and the way to them.

    (Editing itself is refused by Wagtail's page permissions; see
    openlab/accounts/partner_access.py.)
    """
    if sees_every_page(request.user):
        return pages
    return pages.filter(partner_page_filter(request.user))


@hooks.register("construct_page_chooser_queryset")
def only_public_or_own_pages_for_partners(pages, request):
    """Partners link to published pages (shown by their public title) and their own;
    another stakeholder's draft, or a page with unpublished changes, stays out of sight."""
    if sees_every_page(request.user):
        return pages
    public = Q(live=True, has_unpublished_changes=False)
    # By id: the chooser's search can filter only on indexed fields.
    visible = Page.objects.filter(public | partner_page_filter(request.user))
    return pages.filter(id__in=list(visible.values_list("pk", flat=True)))


@hooks.register("construct_reports_menu")
def page_types_report_for_facilitators(request, menu_items):
    """The page-types report names each type's latest edited page by its draft title:
    partners are refused it (openlab.accounts.partner_access.PartnerAdminPageGuard)."""
    if not sees_every_page(request.user):
        menu_items[:] = [item for item in menu_items if item.name != "page-types-usage"]


@hooks.register("before_move_page")
def refuse_move_confirmation(request, page_to_move, destination):
    """Wagtail checks the move itself only on POST; its confirmation page would show the
    (draft) title of a page the user may not move."""
    if not page_to_move.permissions_for_user(request.user).can_move_to(destination):
        return permission_denied(request)
    return None


admin_urls = (
    [
        path("import/", views.import_view, name="import"),
        path("export/", views.export_view, name="export"),
    ],
    "stakeholders_admin",
)


@hooks.register("register_admin_urls")
def register_stakeholder_admin_urls():
    return [path("stakeholders/", include(admin_urls))]


class FacilitatorMenuItem(MenuItem):
    def is_shown(self, request):
        return is_facilitator(request.user)


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    return FacilitatorMenuItem(
        _("ステークホルダーCSV"),
        reverse("stakeholders_admin:import"),
        icon_name="upload",
        order=910,
    )
