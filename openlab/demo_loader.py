"""Turns the demo content (openlab/demo/content.py) into pages, accounts and relations.

Idempotent: a page whose slug already exists under its parent is left alone,
so running the loader twice changes nothing.
"""

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.html import escape

from openlab.accounts.models import Role
from openlab.accounts.services import approve_membership, create_user, ensure_role_groups
from openlab.database import refresh_planner_statistics
from openlab.demo import content
from openlab.models import Goal, Target, Town
from openlab.setup import ensure_site_structure


def _coordinate(value):
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.000001"))


class DemoLoader:
    def __init__(self, stdout=None, seed=20261122, stakeholder_count=264):
        self.stdout = stdout
        self.seed = seed
        self.stakeholder_count = stakeholder_count
        self.created = {"stakeholders": 0, "projects": 0, "events": 0, "reports": 0, "users": 0}

    def log(self, message):
        if self.stdout:
            self.stdout.write(message)

    def run(self):
        self.sections = ensure_site_structure()
        ensure_role_groups()
        self.towns = {town.slug: town for town in Town.objects.all()}
        self.goals = {goal.number: goal for goal in Goal.objects.all()}
        self.targets = {target.code: target for target in Target.objects.all()}
        self.terms = self.load_terms()
        stakeholder_rows = content.stakeholders(seed=self.seed, count=self.stakeholder_count)
        self.stakeholders = self.load_stakeholders(stakeholder_rows)
        project_rows = content.projects(stakeholder_rows, seed=self.seed)
        self.load_projects(project_rows)
        self.load_events(content.events(stakeholder_rows, seed=self.seed))
        self.load_reports(content.reports(stakeholder_rows, seed=self.seed))
        self.load_accounts()
        self.load_event_registrations()
        self.load_match_proposals()
        self.load_follows()
        self.load_chat_rooms(project_rows)
        self.load_search_index()
        refresh_planner_statistics()
        return self.created

    # --- search -------------------------------------------------------------------
    def load_search_index(self):
        """Fill the database search index now (idempotent); Elasticsearch, when
        configured, is filled by the queued publish tasks or `search_index rebuild`."""
        from search import services
        from search.backend import DatabaseSearchBackend

        report = services.repair(DatabaseSearchBackend())
        self.log(f"search index (database): {report.checked} pages, {report.fixed} updated")

    # --- vocabulary ---------------------------------------------------------------
    def load_terms(self):
        from stakeholders.models import OfferNeedTerm

        terms = {}
        for row in content.OFFER_NEED_TERMS:
            term, _ = OfferNeedTerm.objects.get_or_create(
                slug=row["slug"], defaults={"name": row["name"], "name_en": row["name_en"]}
            )
            terms[row["slug"]] = term
        return terms

    # --- pages --------------------------------------------------------------------
    def _existing(self, model, parent):
        return {page.slug: page for page in model.objects.child_of(parent)}

    @staticmethod
    def _publish(parent, page, relations):
        """Add `page` under `parent` with its many-to-many relations, then publish it."""
        with transaction.atomic():
            for name, values in relations.items():
                getattr(page, name).set(values)
            parent.add_child(instance=page)
            page.save_revision().publish()
        return page

    def _paragraphs(self, paragraphs):
        return [{"type": "paragraph", "value": f"<p>{escape(text)}</p>"} for text in paragraphs]

    def load_stakeholders(self, rows):
        from stakeholders.models import StakeholderPage

        parent = self.sections["stakeholders"]
        pages = self._existing(StakeholderPage, parent)
        for row in rows:
            if row["slug"] in pages:
                continue
            page = StakeholderPage(
                title=row["name"],
                slug=row["slug"],
                kind=row["kind"],
                summary=row["summary"],
                description=self._paragraphs([row["description"]]),
                website=row["website"],
                email=row["email"],
                email_public=row["email_public"],
                joined=dt.date.fromisoformat(row["joined"]),
            )
            page.tags.add(*row["tags"])
            pages[row["slug"]] = self._publish(
                parent,
                page,
                {
                    "goals": [self.goals[n] for n in row["sdgs"]],
                    "targets": [self.targets[code] for code in row["targets"]],
                    "towns": [self.towns[slug] for slug in row["towns"]],
                    "offers": [self.terms[slug] for slug in row["offers"]],
                    "needs": [self.terms[slug] for slug in row["needs"]],
                },
            )
            self.created["stakeholders"] += 1
        self.log(f"stakeholders: {len(pages)} ({self.created['stakeholders']} new)")
        return pages

    def load_projects(self, rows):
        from projects.models import Milestone, ProgressUpdate, ProjectPage

        parent = self.sections["projects"]
        pages = self._existing(ProjectPage, parent)
        for row in rows:
            if row["slug"] in pages:
                continue
            page = ProjectPage(
                title=row["title"],
                slug=row["slug"],
                summary=row["summary"],
                body=self._paragraphs(row["body"]),
                lead=self.stakeholders[row["lead"]],
                status=row["status"],
                start_date=dt.date.fromisoformat(row["start"]) if row["start"] else None,
                end_date=dt.date.fromisoformat(row["end"]) if row["end"] else None,
            )
            page.updates = [
                ProgressUpdate(
                    date=dt.date.fromisoformat(update["date"]),
                    text=update["text"],
                    percent=update.get("percent"),
                )
                for update in sorted(row["updates"], key=lambda u: u["date"], reverse=True)
            ]
            # Staleness is computed from the latest update's date (never the publish
            # date), so the demo's quiet projects stay 更新待ち after loading.
            page.milestones = [
                Milestone(
                    title=milestone["title"],
                    due=dt.date.fromisoformat(milestone["due"]) if milestone["due"] else None,
                    done=milestone["done"],
                )
                for milestone in row.get("milestones", [])
            ]
            pages[row["slug"]] = self._publish(
                parent,
                page,
                {
                    "partners": [self.stakeholders[slug] for slug in row["partners"]],
                    "goals": [self.goals[n] for n in row["sdgs"]],
                    "targets": [self.targets[code] for code in row["targets"]],
                    "towns": [self.towns[slug] for slug in row["towns"]],
                    "seeking": [self.terms[slug] for slug in row["seeking"]],
                },
            )
            self.created["projects"] += 1
        self.log(f"projects: {len(pages)} ({self.created['projects']} new)")
        return pages

    def load_events(self, rows):
        from events.models import EventPage

        parent = self.sections["events"]
        pages = self._existing(EventPage, parent)
        for row in rows:
            if row["slug"] in pages:
                continue
            page = EventPage(
                title=row["title"],
                slug=row["slug"],
                summary=row["summary"],
                body=self._paragraphs(row["body"]),
                start=dt.datetime.fromisoformat(row["start"]),
                end=dt.datetime.fromisoformat(row["end"]),
                all_day=row["all_day"],
                rrule=row["rrule"],
                venue_name=row["venue_name"],
                venue_address=row["venue_address"],
                latitude=_coordinate(row["lat"]),
                longitude=_coordinate(row["lng"]),
                attendance=row["mode"],
                online_url=row["online_url"],
                price=row["price"],
                kids_welcome=row["kids_welcome"],
                barrier_free=row["barrier_free"],
                capacity=row["capacity"],
                registration=row["registration"],
            )
            pages[row["slug"]] = self._publish(
                parent,
                page,
                {
                    "organisers": [self.stakeholders[slug] for slug in row["organisers"]],
                    "goals": [self.goals[n] for n in row["sdgs"]],
                    "towns": [self.towns[row["town"]]] if row.get("town") else [],
                },
            )
            self.created["events"] += 1
        self.log(f"events: {len(pages)} ({self.created['events']} new)")
        return pages

    def load_reports(self, rows):
        from projects.models import ReportPage

        parent = self.sections["reports"]
        pages = self._existing(ReportPage, parent)
        for row in rows:
            if row["slug"] in pages:
                continue
            page = ReportPage(
                title=row["title"],
                slug=row["slug"],
                body=row["body"],
                nickname=row["nickname"],
                grade=row["grade"],
                date=dt.date.fromisoformat(row["date"]),
                ambassador_group=self.stakeholders.get(row["ambassador"]),
            )
            pages[row["slug"]] = self._publish(
                parent, page, {"goals": [self.goals[n] for n in row["sdgs"]]}
            )
            self.created["reports"] += 1
        self.log(f"reports: {len(pages)} ({self.created['reports']} new)")
        return pages

    def load_event_registrations(self):
        """Materialise every event's dates, then a few demo registrations (idempotent)."""
        from events.models import EventPage
        from events.services import (
            RegistrationError,
            next_occurrence,
            register_user,
            sync_occurrences,
        )

        events = {page.slug: page for page in EventPage.objects.child_of(self.sections["events"])}
        for page in events.values():
            sync_occurrences(page.pk)
        users = {user.username: user for user in get_user_model().objects.all()}
        wanted = [("citizen", "openlab-meetup"), ("partner2", "openlab-meetup"),
                  ("citizen", "hachikokuyama-satoyama-day")]  # fmt: skip
        made = 0
        for username, slug in wanted:
            occurrence = next_occurrence(events[slug]) if slug in events else None
            if occurrence is None or username not in users:
                continue
            try:
                register_user(occurrence.pk, users[username])
                made += 1
            except RegistrationError:
                pass  # already registered: a second run changes nothing
        self.log(f"event dates: {len(events)} events; registrations: {made} new")

    # --- chat ---------------------------------------------------------------------
    def load_chat_rooms(self, project_rows):
        """Rooms of the first demo projects with their conversations (openlab/chat).

        author_role lead → `partner`, partner → `partner2`, facilitator → `facilitator`;
        the two demo partners join each room so a newcomer sees chat at once. Idempotent:
        each message has a fixed idempotency key.
        """
        from openlab.chat.models import Membership, Message
        from openlab.chat.services import add_member, room_for_project
        from openlab.chat.tasks import ensure_schedule
        from projects.models import ProjectPage

        ensure_schedule()
        users = {u.username: u for u in get_user_model().objects.filter(
            username__in=["partner", "partner2", "facilitator"])}  # fmt: skip
        authors = {"lead": "partner", "partner": "partner2", "facilitator": "facilitator"}
        if len(users) < 3:
            self.log("chat: demo accounts missing; no rooms")
            return
        projects = {
            page.slug: page for page in ProjectPage.objects.child_of(self.sections["projects"])
        }
        start = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
        made = 0
        for number, conversation in enumerate(content.chat_conversations(project_rows)):
            project = projects.get(conversation["project"])
            if project is None:
                continue
            room = room_for_project(project)
            for user in users.values():
                if not Membership.objects.filter(room=room, user=user).exists():
                    add_member(room, user)
            for index, row in enumerate(conversation["messages"]):
                message, created = Message.objects.get_or_create(
                    sender=users[authors[row["author_role"]]],
                    client_key=f"demo-{project.pk}-{index}",
                    defaults={"room": room, "body": row["text"]},
                )
                if created:
                    when = start + dt.timedelta(hours=number * 5, minutes=index * 7)
                    Message.objects.filter(pk=message.pk).update(created_at=when)
                    made += 1
        self.log(f"chat: {made} demo messages new")

    # --- people -------------------------------------------------------------------
    def load_match_proposals(self):
        """Partner proposals for the demo data, so the demo partner sees them at once."""
        from openlab.matching.services import recompute_all
        from openlab.matching.tasks import ensure_schedules

        stats = recompute_all()
        ensure_schedules()
        self.log(f"match proposals: {stats['created']} new, {stats['updated']} updated")

    def load_accounts(self):
        users = get_user_model().objects
        for account in content.DEMO_ACCOUNTS:
            if users.filter(username=account["username"]).exists():
                continue
            extra = {}
            if account["role"] == Role.AMBASSADOR:
                extra = {
                    "nickname": account.get("nickname", ""),
                    "grade": account.get("grade", ""),
                    "guardian_consent_by": "デモ保護者",
                    "guardian_consent_at": dt.datetime(2026, 4, 1, tzinfo=dt.UTC),
                }
            role = Role.CITIZEN if account["role"] == Role.PARTNER else account["role"]
            user = create_user(
                account["username"],
                account["email"],
                account["password"],
                role,
                display_name=account.get("display_name", ""),
                **extra,
            )
            if account["role"] == Role.PARTNER and account.get("stakeholder"):
                approve_membership(user, self.stakeholders[account["stakeholder"]])
            self.created["users"] += 1
        self.log(f"accounts: {len(content.DEMO_ACCOUNTS)} ({self.created['users']} new)")

    # --- follows (openlab/notifications) --------------------------------------------
    def load_follows(self):
        """The demo citizen follows a few goals, a town and two stakeholders (weekly digest)."""
        from openlab.notifications import services as notifications
        from openlab.notifications.models import FollowTarget

        citizen = get_user_model().objects.filter(username="citizen").first()
        if citizen is None:
            return
        for number in (11, 12, 13):
            notifications.follow(citizen, FollowTarget.GOAL, self.goals[number])
        notifications.follow(citizen, FollowTarget.TOWN, self.towns["kumegawa"])
        for slug in sorted(self.stakeholders)[:2]:
            notifications.follow(citizen, FollowTarget.STAKEHOLDER, self.stakeholders[slug])
        notifications.set_frequency(citizen, "weekly")
        self.log("follows: the demo citizen follows goals 11-13, 久米川町 and 2 stakeholders")
