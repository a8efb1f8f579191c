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


def account_links(user):
    """The header's account links for `user`, by role.

    Signed-in people also get the feed link (with its unread badge) and a log-out
    form from the template; those need the request, these links do not.
    """
    if user is None or not user.is_authenticated:
        return [
            (reverse("account_signup"), _("新規登録")),
            (reverse("account_login"), _("ログイン")),
        ]
    role = role_of(user)
    links = [(reverse("notifications:interests"), _("フォローと関心"))]
    if role == Role.AMBASSADOR:
        # Children have no chat and no admin; their own page is their reports.
        return [*links, (reverse("reports_mine"), _("自分のレポート"))]
    links.insert(0, (reverse("mypage:index"), _("マイページ")))
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
    return {
        "navigation": NAVIGATION,
        "site_name": settings.WAGTAIL_SITE_NAME,
        "account_links": account_links(getattr(request, "user", None)),
    }
