"""The site's fixed structure: towns and the page tree. Idempotent."""

from django.conf import settings
from django.db import transaction
from wagtail.models import Collection, Locale, Page, Site

from openlab import sdgs
from openlab.models import Goal, HomePage, Target, Town

# The 13 towns (町) of Higashimurayama, then "outside the city".
TOWNS = [
    ("honcho", "本町"),
    ("kumegawa", "久米川町"),
    ("akitsu", "秋津町"),
    ("aoba", "青葉町"),
    ("onta", "恩多町"),
    ("hagiyama", "萩山町"),
    ("sakae", "栄町"),
    ("fujimi", "富士見町"),
    ("misumi", "美住町"),
    ("meguri", "廻田町"),
    ("tamako", "多摩湖町"),
    ("noguchi", "野口町"),
    ("suwa", "諏訪町"),
    ("outside", "市外"),
]

HOME_INTRO = (
    "<p>東村山市わたしたちのSDGsオープンラボは、市役所・企業・NPO・学校・大学・市民・"
    "こどもSDGs大使が、SDGsの17の目標を手がかりにつながり、まちの課題に"
    "いっしょに取り組む場です。できること・求めることを持ち寄り、実証実験やイベントを"
    "生み出しています。</p>"
)


def ensure_towns():
    for position, (slug, name) in enumerate(TOWNS):
        Town.objects.update_or_create(slug=slug, defaults={"name": name, "position": position})


def _ensure_child(parent, model, slug, title, **fields):
    existing = model.objects.child_of(parent).filter(slug=slug).first()
    if existing:
        return existing
    page = model(slug=slug, title=title, **fields)
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def _ensure_root():
    """Wagtail's root page; its migration makes it, but a flushed database has none."""
    root = Page.get_first_root_node()
    if root is None:
        locale, _ = Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
        root = Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
    return root


def _ensure_root_collection():
    """Wagtail's root collection (images, documents): also made by a migration, also gone
    after a flush."""
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")


@transaction.atomic
def ensure_site_structure():
    """Create the home page, the section index pages and the towns, if missing."""
    from events.models import EventIndexPage
    from projects.models import ProjectIndexPage, ReportIndexPage
    from stakeholders.models import StakeholderIndexPage

    ensure_towns()
    if Goal.objects.count() != len(sdgs.GOALS):
        sdgs.sync_reference_tables(Goal, Target)
    root = _ensure_root()
    _ensure_root_collection()
    home = HomePage.objects.first()
    if home is None:
        # Wagtail's own placeholder ("Welcome to your new Wagtail site!") holds the slug.
        Page.objects.filter(depth=2, content_type__model="page").delete()
        home = HomePage(title="東村山市わたしたちのSDGsオープンラボ", slug="home", intro=HOME_INTRO)
        root.add_child(instance=home)
        home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.site_name = "東村山市わたしたちのSDGsオープンラボ"
        site.save()

    return {
        "home": home,
        "stakeholders": _ensure_child(
            home,
            StakeholderIndexPage,
            "stakeholders",
            "ステークホルダー",
            intro="東村山市のSDGsに取り組む市役所・企業・NPO・学校・市民のみなさんです。",
        ),
        "projects": _ensure_child(
            home,
            ProjectIndexPage,
            "projects",
            "プロジェクト",
            intro="ラボから生まれた実証実験・プロジェクトです。",
        ),
        "events": _ensure_child(
            home,
            EventIndexPage,
            "events",
            "イベント",
            intro="ワークショップ、オープンラボ、そらいち東村山など。",
        ),
        "reports": _ensure_child(
            home,
            ReportIndexPage,
            "reports",
            "こどもSDGs大使レポート",
            intro="こどもSDGs大使が活動を報告します。",
        ),
    }
