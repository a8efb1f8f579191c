"""Pilot projects (実証実験・プロジェクト) and kids' SDGs ambassador reports."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from openlab.blocks import BodyBlock
from openlab.models import SDGTaggedPage
from projects.forms import PhotoInlinePanel, ProjectPageForm, ReportPageForm


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
        from projects.services import project_directory_context

        context = super().get_context(request, *args, **kwargs)
        context.update(project_directory_context(self, request))
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
    related_events = ParentalManyToManyField(
        "events.EventPage",
        blank=True,
        related_name="related_projects",
        verbose_name=_("関連イベント"),
    )

    base_form_class = ProjectPageForm

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
        InlinePanel("images", label=_("写真")),
        FieldPanel("related_events"),
        InlinePanel("milestones", label=_("マイルストーン")),
        InlinePanel("updates", label=_("進捗")),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("status"),
        index.AutocompleteField("search_admin_terms"),
    ]
    parent_page_types = ["projects.ProjectIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("プロジェクト")
        verbose_name_plural = _("プロジェクト")

    def get_context(self, request, *args, **kwargs):
        from projects.services import project_page_context

        context = super().get_context(request, *args, **kwargs)
        context.update(project_page_context(self))
        return context


class ProjectImage(Orderable):
    project = ParentalKey(ProjectPage, on_delete=models.CASCADE, related_name="images")
    image = models.ForeignKey(
        "wagtailimages.Image", on_delete=models.CASCADE, related_name="+", verbose_name=_("画像")
    )
    caption = models.CharField(_("説明"), max_length=200, blank=True)

    panels = [FieldPanel("image"), FieldPanel("caption")]

    class Meta(Orderable.Meta):
        verbose_name = _("写真")


class Milestone(Orderable):
    project = ParentalKey(ProjectPage, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("マイルストーン"), max_length=120)
    due = models.DateField(_("目標日"), null=True, blank=True)
    done = models.BooleanField(_("達成"), default=False)

    panels = [FieldPanel("title"), FieldPanel("due"), FieldPanel("done")]

    class Meta(Orderable.Meta):
        verbose_name = _("マイルストーン")
        verbose_name_plural = _("マイルストーン")

    def __str__(self):
        return self.title


class ProgressUpdate(Orderable):
    project = ParentalKey(ProjectPage, on_delete=models.CASCADE, related_name="updates")
    date = models.DateField(_("日付"))
    text = models.TextField(_("内容"))
    percent = models.PositiveSmallIntegerField(
        _("達成度（%）"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("画像"),
    )

    panels = [FieldPanel("date"), FieldPanel("text"), FieldPanel("percent"), FieldPanel("image")]

    class Meta(Orderable.Meta):
        verbose_name = _("進捗")


class StalenessNotice(models.Model):
    """One e-mail round about a project going stale: never sent twice for the same state
    of the same quiet period (keyed by the date the period started)."""

    class State(models.TextChoices):
        YELLOW = "yellow", _("更新待ち")
        RED = "red", _("長期間更新なし")

    project = models.ForeignKey(ProjectPage, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices)
    quiet_since = models.DateField()
    recipients = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "state", "quiet_since"], name="one_staleness_notice_per_state"
            )
        ]
        verbose_name = _("更新待ちのお知らせ")
        verbose_name_plural = _("更新待ちのお知らせ")

    def __str__(self):
        return f"{self.project_id} {self.state} {self.quiet_since}"


class ReportIndexPage(Page):
    intro = models.TextField(_("紹介文"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["openlab.HomePage"]
    subpage_types = ["projects.ReportPage"]
    max_count = 1

    class Meta:
        verbose_name = _("こどもSDGs大使レポート一覧")

    def get_context(self, request, *args, **kwargs):
        from projects.services import report_directory_context

        context = super().get_context(request, *args, **kwargs)
        context.update(report_directory_context(self, request))
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
        PhotoInlinePanel("photos", label=_("写真"), max_num=4),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("body"),
        index.AutocompleteField("search_admin_terms"),
    ]
    parent_page_types = ["projects.ReportIndexPage"]
    subpage_types = []
    base_form_class = ReportPageForm

    class Meta:
        verbose_name = _("こどもSDGs大使レポート")
        verbose_name_plural = _("こどもSDGs大使レポート")

    def get_context(self, request, *args, **kwargs):
        from projects.services import report_page_context

        context = super().get_context(request, *args, **kwargs)
        context.update(report_page_context(self, request))
        return context


class ReportPhoto(Orderable):
    """A report photo, stored only after its EXIF data (and location) were removed.

    Plain files, not Wagtail images: children's photos must not appear in the image
    library that partners can browse. The names are random, never the uploaded name.
    """

    report = ParentalKey(ReportPage, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(
        _("写真"), upload_to="reports/%Y/%m/", width_field="width", height_field="height"
    )
    thumbnail = models.ImageField(_("縮小版"), upload_to="reports/thumbs/%Y/%m/", blank=True)
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)

    panels = [FieldPanel("image")]

    class Meta(Orderable.Meta):
        verbose_name = _("写真")

    def save(self, *args, **kwargs):
        # Any new upload (also one made in the admin) is stripped of EXIF before it is stored.
        already_clean = getattr(self, "metadata_removed", False)
        if self.image and not already_clean and not getattr(self.image, "_committed", True):
            from projects.images import clean_photo

            photo = clean_photo(self.image.file)
            self.image = photo.content
            self.thumbnail = photo.thumbnail
        super().save(*args, **kwargs)


class AmbassadorAccount(models.Model):
    """Which ambassador group a child belongs to, and which facilitator created the account."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ambassador_account"
    )
    group = models.ForeignKey(
        "stakeholders.StakeholderPage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("こども大使のグループ"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("作成したファシリテーター"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("こども大使アカウント")
        verbose_name_plural = _("こども大使アカウント")

    def __str__(self):
        return str(self.user)
