from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openlab.accounts.models import Role
from openlab.accounts.permissions import role_of

# Context "plural": Japanese has one word where English says "Project" or "Projects".
NAVIGATION = [
    ("/stakeholders/", pgettext_lazy("plural", "ステークホルダー")),
    ("/projects/", pgettext_lazy("plural", "プロジェクト")),
    ("/events/", pgettext_lazy("plural", "イベント")),
    ("/reports/", _("こども大使レポート")),
    ("/sdgs/", _("SDGs")),
    ("/dashboard/", _("ダッシュボード")),
    ("/opendata/", _("オープンデータ")),
]

# Children (kids' SDGs ambassadors) get their own short menu: their reports, writing one,
# everybody's reports. No dashboard, open data or directory of adults' contacts.
KIDS_NAVIGATION = [
    ("/reports/mine/", _("自分のレポート")),
    ("/reports/new/", _("レポートを書く")),
    ("/reports/", _("みんなのレポート")),
]


def is_child(user):
    return user is not None and role_of(user) == Role.AMBASSADOR


def account_links(user):
    """The header's account links for `user`, by role.

    Signed-in people also get the feed link (with its unread badge) and a log-out
    form from the template; those need the request, these links do not.
    """
    if user is None or not user.is_authenticated:
        return [
            (reverse("account_signup"), _("新規登録")),
            (reverse("account_login"), _("ログイン")),
            (reverse("reports_login"), _("こども大使のログイン")),
        ]
    role = role_of(user)
    if role == Role.AMBASSADOR:
        # Children have no chat, feed or admin; their menu (KIDS_NAVIGATION) is all they need.
        return []
    links = [
        (reverse("mypage:index"), _("マイページ")),
        (reverse("notifications:interests"), _("フォローと関心")),
    ]
    links.append((reverse("chat:room_list"), _("チャット")))
    if role == Role.CITIZEN:
        links.append((reverse("partner_apply"), _("パートナー申請")))
    if role in (Role.PARTNER, Role.FACILITATOR):
        links.append((reverse("matching:dashboard"), _("マッチング")))
    if role == Role.FACILITATOR:
        links.append((reverse("dashboard:gaps"), _("ファシリテーター用ダッシュボード")))
    if role in (Role.PARTNER, Role.FACILITATOR):
        links.append((reverse("wagtailadmin_home"), _("管理画面")))
    return links


def site_navigation(request):
    user = getattr(request, "user", None)
    child = is_child(user)
    return {
        "navigation": KIDS_NAVIGATION if child else NAVIGATION,
        # base.html includes the menu by role (templates/includes/nav_*.html).
        "main_nav_template": "includes/nav_kids.html" if child else "includes/nav_main.html",
        "is_child": child,
        # The children's pages show furigana when switched on (?furigana=1, or kept by a form).
        "kids_furigana": child
        and "1" in (request.GET.get("furigana"), request.POST.get("furigana")),
        "site_name": settings.WAGTAIL_SITE_NAME,
        "account_links": account_links(user),
    }
