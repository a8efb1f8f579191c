"""Search fixtures: every backend test runs on the database and on Elasticsearch.

Elasticsearch tests use an index prefix of their own (``test_<random>``) and
delete their indices afterwards, so they never touch the dev index.
"""

import uuid

import pytest

from search import backend as backend_module


@pytest.fixture(autouse=True)
def _closed_breaker():
    backend_module.reset_breaker()
    yield
    backend_module.reset_breaker()


@pytest.fixture
def es_prefix():
    return f"test_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def database_only(settings):
    settings.ELASTICSEARCH_URL = ""
    return backend_module.DatabaseSearchBackend()


@pytest.fixture
def es_backend(request, settings, es_prefix):
    url = request.getfixturevalue("elasticsearch_url")
    settings.ELASTICSEARCH_URL = url
    settings.SEARCH_INDEX_PREFIX = es_prefix
    backend = backend_module.ElasticsearchSearchBackend(url, prefix=es_prefix, timeout=10)
    yield backend
    backend.drop()


@pytest.fixture(params=["database", "elasticsearch"])
def search_backend(request, settings):
    """The backend under test, configured as the site's search backend.

    `search_backend.sync()` makes what was published visible to searches (an
    Elasticsearch refresh; nothing on the database)."""
    if request.param == "database":
        backend = request.getfixturevalue("database_only")
        backend.sync = lambda: None
    else:
        backend = request.getfixturevalue("es_backend")
        backend.sync = backend.refresh
    return backend


def publish(factory, towns=(), tags=(), goals=(), **kwargs):
    """Create and publish a page with goals, towns and tags in one publish
    (publishing enqueues indexing; django-q2 runs it inline in tests)."""
    from openlab.models import Goal, Town

    page = factory.build(**kwargs)
    page.goals.set(Goal.objects.filter(number__in=goals))
    page.towns.set(Town.objects.filter(slug__in=towns))
    for tag in tags:
        page.tags.add(tag)
    factory.parent_model.objects.first().add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def paragraph(text):
    return [{"type": "paragraph", "value": f"<p>{text}</p>"}]


@pytest.fixture
def corpus(site_tree):
    """Realistic pages of the four types; returned as {key: page}."""
    import datetime as dt

    from django.utils import timezone

    from tests.factories import EventFactory, ProjectFactory, ReportFactory, StakeholderFactory

    now = timezone.now()
    pages = {}
    pages["kosodate"] = publish(
        StakeholderFactory,
        title="東村山子育て支援ネットワーク",
        kind="npo",
        summary="子育て中の家庭を地域で支えるNPOです。",
        description=paragraph("市内の子育てサロンや一時預かりの情報をまとめています。"),
        goals=[3, 4, 5],
        towns=["kumegawa"],
        tags=["子育て", "地域"],
        email="private-kosodate@example.jp",
        email_public=False,
    )
    pages["kotsu"] = publish(
        ProjectFactory,
        title="公共交通の経路検索サービス実証実験",
        summary="コミュニティバスと鉄道の乗り継ぎを調べられる経路検索サービスを試します。",
        body=paragraph("高齢者や子ども連れでも使いやすい画面を、市民と一緒に作ります。"),
        goals=[9, 11],
        towns=["honcho"],
    )
    pages["soraichi"] = publish(
        EventFactory,
        title="そらいち東村山 12月のマルシェ",
        summary="八国山緑地のそばで、地元野菜とフードロス削減の市場を開きます。",
        goals=[2, 12],
        towns=["noguchi"],
        venue_name="八国山たいけんの里",
        start=now + dt.timedelta(days=10),
        end=now + dt.timedelta(days=10, hours=5),
    )
    pages["gomi_report"] = publish(
        ReportFactory,
        title="北山公園でごみひろい",
        body="ぼくたちは北山公園でごみひろいをしました。ペットボトルがたくさんありました。",
        nickname="みどりのカメ",
        goals=[14, 15],
    )
    pages["sdgs_lab"] = publish(
        StakeholderFactory,
        title="株式会社ＳＤＧｓラボ東村山",
        kind="company",
        summary="ＳＤＧｓの研修とＩＴ支援を行う会社です。",
        description=paragraph("デジタル技術で地域課題を解決します。"),
        goals=[8, 9, 17],
        towns=["honcho"],
        tags=["研修"],
    )
    pages["shokudo"] = publish(
        EventFactory,
        title="子ども食堂ボランティア説明会",
        summary="こども食堂で一緒に活動するボランティアを募集します。",
        venue_name="中央公民館",
        goals=[1, 2],
        towns=["kumegawa"],
        start=now - dt.timedelta(days=30),
        end=now - dt.timedelta(days=30) + dt.timedelta(hours=2),
    )
    pages["solar"] = publish(
        ProjectFactory,
        title="太陽光発電で学校の電気をまかなう",
        summary="再生可能エネルギーを学校の屋上で。",
        goals=[7, 13],
        towns=["aoba"],
    )
    pages["city"] = publish(
        StakeholderFactory,
        title="東村山市 環境・住宅部 ごみ減量推進課",
        kind="city",
        summary="ごみの減量とリサイクルを進めています。",
        goals=[11, 12],
        towns=["honcho"],
        tags=["地域"],
    )
    return pages
