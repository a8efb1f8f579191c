"""Admin menu: facilitators create children's ambassador accounts (no self sign-up)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from openlab.accounts.permissions import is_facilitator


class FacilitatorOnlyMenuItem(MenuItem):
    def is_shown(self, request):
        return is_facilitator(request.user)


@hooks.register("register_admin_menu_item")
def register_ambassador_menu_item():
    return FacilitatorOnlyMenuItem(
        _("こども大使アカウント"), reverse("ambassador_new"), icon_name="user", order=910
    )
