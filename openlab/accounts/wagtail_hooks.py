from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from openlab.accounts import views
from openlab.accounts.permissions import is_facilitator


@hooks.register("register_log_actions")
def register_partner_log_actions(actions):
    actions.register_action("openlab.partner_applied", _("パートナー申請"), _("パートナー申請"))
    actions.register_action("openlab.partner_approved", _("パートナー承認"), _("パートナーを承認"))
    actions.register_action(
        "openlab.partner_rejected", _("パートナー却下"), _("パートナー申請を却下")
    )


admin_urls = (
    [
        path("", views.admin_applications, name="applications"),
        path("<int:pk>/decide/", views.admin_decide, name="decide"),
    ],
    "accounts_admin",
)


@hooks.register("register_admin_urls")
def register_partner_admin_urls():
    return [path("partners/", include(admin_urls))]


class FacilitatorMenuItem(MenuItem):
    def is_shown(self, request):
        return is_facilitator(request.user)


@hooks.register("register_admin_menu_item")
def register_partner_menu_item():
    return FacilitatorMenuItem(
        _("パートナー申請"), reverse("accounts_admin:applications"), icon_name="group", order=900
    )
