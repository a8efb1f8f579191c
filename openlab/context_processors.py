from django.conf import settings
from django.utils.translation import gettext_lazy as _

NAVIGATION = [
    ("/stakeholders/", _("ステークホルダー")),
    ("/projects/", _("プロジェクト")),
    ("/events/", _("イベント")),
    ("/reports/", _("こども大使レポート")),
    ("/sdgs/", _("SDGs")),
    ("/dashboard/", _("ダッシュボード")),
    ("/opendata/", _("オープンデータ")),
]


def site_navigation(request):
    return {"navigation": NAVIGATION, "site_name": settings.WAGTAIL_SITE_NAME}
