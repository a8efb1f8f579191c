"""The database backend's index: one row per searchable published page.

Filled by the same tasks and built from the same source document as the
Elasticsearch index (search/documents.py), so both answer the same query the
same way. Only what may be shown publicly is stored here.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchEntry(models.Model):
    page = models.OneToOneField(
        "wagtailcore.Page", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    type = models.CharField(max_length=20, db_index=True)
    title = models.CharField(max_length=255)
    url = models.CharField(max_length=500, blank=True)
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True)
    # Normalised runs joined by single spaces (search/japanese.py), for LIKE '%word%'.
    title_text = models.TextField(blank=True)
    text = models.TextField(blank=True)
    reading = models.TextField(blank=True)
    # Sudachi words with a space on either side, for word-aligned ranking.
    words = models.TextField(blank=True)
    kind = models.CharField(max_length=20, blank=True, db_index=True)
    date = models.DateField(null=True, blank=True)
    event_start = models.DateTimeField(null=True, blank=True)
    event_end = models.DateTimeField(null=True, blank=True)
    content_hash = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("検索インデックスの項目")
        verbose_name_plural = _("検索インデックスの項目")
        indexes = [models.Index(fields=["date"]), models.Index(fields=["event_end"])]

    def __str__(self):
        return f"{self.type}: {self.title}"


class SearchEntryGoal(models.Model):
    entry = models.ForeignKey(SearchEntry, on_delete=models.CASCADE, related_name="goals")
    goal = models.PositiveSmallIntegerField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "goal"], name="search_entry_goal_unique")
        ]

    def __str__(self):
        return f"{self.entry_id}: {self.goal}"


class SearchEntryTown(models.Model):
    entry = models.ForeignKey(SearchEntry, on_delete=models.CASCADE, related_name="towns")
    town = models.CharField(max_length=50, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "town"], name="search_entry_town_unique")
        ]

    def __str__(self):
        return f"{self.entry_id}: {self.town}"


class SearchEntryTag(models.Model):
    entry = models.ForeignKey(SearchEntry, on_delete=models.CASCADE, related_name="tags")
    tag = models.CharField(max_length=100, db_index=True)

    def __str__(self):
        return f"{self.entry_id}: {self.tag}"
