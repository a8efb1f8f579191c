"""factory_boy factories for the page types; pages are added under their index page."""

import datetime as dt
import itertools

import factory
from django.utils import timezone

from events.models import EventIndexPage, EventPage
from openlab.models import Goal
from projects.models import ProjectIndexPage, ProjectPage, ReportIndexPage, ReportPage
from stakeholders.models import StakeholderIndexPage, StakeholderPage

_serial = itertools.count(1)


class PageFactory(factory.Factory):
    """Creates a page under the first page of `parent_model`, published with a revision."""

    class Meta:
        abstract = True

    parent_model = None

    @classmethod
    def _create(cls, model_class, goals=(), live=True, **kwargs):
        parent = cls.parent_model.objects.first()
        page = model_class(**kwargs)
        if goals:
            page.goals.set(Goal.objects.filter(number__in=goals))
        parent.add_child(instance=page)
        revision = page.save_revision()
        if live:
            revision.publish()
        else:
            page.live = False
            page.save(update_fields=["live"])
        page.refresh_from_db()
        return page

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        kwargs.pop("parent_model", None)
        return kwargs


class StakeholderFactory(PageFactory):
    class Meta:
        model = StakeholderPage

    parent_model = StakeholderIndexPage
    title = factory.LazyFunction(lambda: f"テスト団体{next(_serial)}")
    slug = factory.LazyAttribute(lambda o: f"sh-{next(_serial)}")
    kind = "npo"
    summary = "東村山で活動する団体です。"


class ProjectFactory(PageFactory):
    class Meta:
        model = ProjectPage

    parent_model = ProjectIndexPage
    title = factory.LazyFunction(lambda: f"テストプロジェクト{next(_serial)}")
    slug = factory.LazyAttribute(lambda o: f"pj-{next(_serial)}")
    summary = "まちの課題に取り組む実証実験です。"
    status = "running"


class EventFactory(PageFactory):
    class Meta:
        model = EventPage

    parent_model = EventIndexPage
    title = factory.LazyFunction(lambda: f"テストイベント{next(_serial)}")
    slug = factory.LazyAttribute(lambda o: f"ev-{next(_serial)}")
    start = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))
    end = factory.LazyAttribute(lambda o: o.start + dt.timedelta(hours=2))
    venue_name = "東村山市役所"


class ReportFactory(PageFactory):
    class Meta:
        model = ReportPage

    parent_model = ReportIndexPage
    title = factory.LazyFunction(lambda: f"テストレポート{next(_serial)}")
    slug = factory.LazyAttribute(lambda o: f"rp-{next(_serial)}")
    body = "北山公園でごみひろいをしました。"
    nickname = "みどりのカメ"
    grade = "小学5年"
    date = factory.LazyFunction(lambda: dt.date(2026, 11, 1))
