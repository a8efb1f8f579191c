from django.db.models import Q
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.models import GroupPagePermission

from openlab.accounts.permissions import is_facilitator
from stakeholders import views


@hooks.register("construct_explorer_page_queryset")
def only_own_pages_for_partners(parent_page, pages, request):
    """Partners see in the explorer only the pages they may edit and the way to them.

    (Editing itself is refused by Wagtail's page permissions; see
    openlab/accounts/partner_access.py.)
    """
    user = request.user
    if user.is_superuser or is_facilitator(user):
        return pages
    granted = GroupPagePermission.objects.filter(group__user=user).select_related(
        "page", "permission"
    )
    paths, ids = set(), set()
    for permission in granted:
        page = permission.page
        if permission.permission.codename == "change_page":
            ids.add(page.pk)
        steps = len(page.path) // page.steplen
        paths.update(page.path[: page.steplen * n] for n in range(1, steps + 1))
    return pages.filter(Q(pk__in=ids) | Q(path__in=paths) | Q(owner=user))


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
