"""Pilot projects (実証実験・プロジェクト) and kids' SDGs ambassador reports."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from openlab.blocks import BodyBlock
from openlab.models import SDGTaggedPage


class ProjectStatus(models.TextChoices):
    IDEA = "idea", _("構想中")
    RECRUITING = "recruiting", _("仲間募集中")
    RUNNING = "running", _("実施中")
    DONE = "done", _("完了")
    CANCELLED = "cancelled", _("中止")


class ProjectIndexPage(Page):
    intro = models.TextField(_("紹介文"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["openlab.HomePage"]
    subpage_types = ["projects.ProjectPage"]
    max_count = 1

    class Meta:
        verbose_name = _("プロジェクト一覧")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["projects"] = (
            ProjectPage.objects.live()
            .child_of(self)
            .select_related("lead")
            .prefetch_related("goals")
            .order_by("-first_published_at")
        )
        return context


class ProjectPage(SDGTaggedPage):
    summary = models.CharField(_("概要"), max_length=240, blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("本文"), blank=True)
    lead = models.ForeignKey(
        "stakeholders.StakeholderPage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_projects",
        verbose_name=_("主催ステークホルダー"),
    )
    partners = ParentalManyToManyField(
        "stakeholders.StakeholderPage",
        blank=True,
        related_name="partner_projects",
        verbose_name=_("協働ステークホルダー"),
    )
    status = models.CharField(
        _("状況"), max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.IDEA
    )
    start_date = models.DateField(_("開始日"), null=True, blank=True)
    end_date = models.DateField(_("終了日"), null=True, blank=True)
    seeking = ParentalManyToManyField(
        "stakeholders.OfferNeedTerm",
        blank=True,
        related_name="+",
        verbose_name=_("求めている協力"),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("lead"), FieldPanel("partners"), FieldPanel("seeking")],
            heading=_("ステークホルダー"),
        ),
        MultiFieldPanel(
            [FieldPanel("status"), FieldPanel("start_date"), FieldPanel("end_date")],
            heading=_("状況と期間"),
        ),
        MultiFieldPanel(SDGTaggedPage.sdg_panels, heading=_("SDGsと地域")),
        InlinePanel("updates", label=_("進捗")),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("status"),
    ]
    parent_page_types = ["projects.ProjectIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("プロジェクト")
        verbose_name_plural = _("プロジェクト")


class ProgressUpdate(Orderable):
    project = ParentalKey(ProjectPage, on_delete=models.CASCADE, related_name="updates")
    date = models.DateField(_("日付"))
    text = models.TextField(_("内容"))
    percent = models.PositiveSmallIntegerField(_("達成度（%）"), null=True, blank=True)

    panels = [FieldPanel("date"), FieldPanel("text"), FieldPanel("percent")]

    class Meta(Orderable.Meta):
        verbose_name = _("進捗")


class ReportIndexPage(Page):
    intro = models.TextField(_("紹介文"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["openlab.HomePage"]
    subpage_types = ["projects.ReportPage"]
    max_count = 1

    class Meta:
        verbose_name = _("こどもSDGs大使レポート一覧")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["reports"] = (
            ReportPage.objects.live()
            .child_of(self)
            .prefetch_related("goals")
            .order_by("-date", "-pk")
        )
        return context


class ReportPage(SDGTaggedPage):
    """A kids' SDGs ambassador report; only the nickname and grade are ever shown."""

    body = models.TextField(_("やったこと"))
    nickname = models.CharField(_("ニックネーム"), max_length=40)
    grade = models.CharField(_("学年"), max_length=20, blank=True)
    date = models.DateField(_("活動した日"))
    ambassador_group = models.ForeignKey(
        "stakeholders.StakeholderPage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
        verbose_name=_("こども大使のグループ"),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("body"),
        FieldPanel("nickname"),
        FieldPanel("grade"),
        FieldPanel("date"),
        FieldPanel("ambassador_group"),
        MultiFieldPanel(SDGTaggedPage.sdg_panels, heading=_("SDGs")),
    ]
    search_fields = [*Page.search_fields, index.SearchField("body")]
    parent_page_types = ["projects.ReportIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("こどもSDGs大使レポート")
        verbose_name_plural = _("こどもSDGs大使レポート")
