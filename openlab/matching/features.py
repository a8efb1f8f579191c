"""What the engine knows about each stakeholder and project, as plain rows.

``load_features()`` reads the published pages with a fixed number of queries and
returns :class:`Features` rows; the scoring functions and the engine only ever see
these rows, so the benchmark can generate them in memory.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from django.utils.html import strip_tags

# Free text: which words name a term of the offer/need vocabulary (by slug), and
# which words in the same sentence say it is sought rather than offered.
TERM_KEYWORDS = {
    "venue": ["会場", "場所", "スペース", "集会所", "空き店舗", "部屋"],
    "volunteers": ["ボランティア", "担い手", "手伝"],
    "funding": ["資金", "寄付", "助成", "融資", "協賛"],
    "expertise": ["専門知識", "助言", "ノウハウ", "アドバイス"],
    "publicity": ["広報", "情報発信", "SNS", "チラシ"],
    "it-support": ["IT", "デジタル", "キャッシュレス", "アプリ", "システム"],
    "food": ["食材", "食品", "野菜"],
    "training": ["研修", "人材育成", "講座"],
    "goods": ["物品", "備品", "道具"],
    "transport": ["送迎", "運搬", "移送", "車両"],
    "farmland": ["農地", "緑地", "畑"],
    "kids-programs": ["子ども向け", "体験プログラム"],
    "multilingual": ["多言語", "翻訳", "通訳"],
    "research-data": ["調査", "データ", "分析"],
    "design": ["デザイン"],
    "welfare-support": ["福祉の専門", "介護"],
}
NEED_MARKERS = re.compile(
    r"求め|探して|探し|募集|必要|課題|不足|足りな|ほしい|欲しい|くれる方|くださる方|歓迎"
)
OFFER_MARKERS = re.compile(r"提供|貸し出|お届け|届けて|お手伝いできます|協力できます|行っています")
SENTENCE_END = re.compile(r"(?<=[。！？\n])")
SNIPPET_LENGTH = 40


@dataclass(slots=True)
class Features:
    key: str  # "s<pk>" for a stakeholder, "p<pk>" for a project
    pk: int
    is_project: bool
    stakeholder_pk: int  # the stakeholder itself, or the project's lead
    name: str
    kind: str
    offers: frozenset = frozenset()  # term names
    needs: frozenset = frozenset()  # term names (a project: what it is seeking)
    text_offers: dict = field(default_factory=dict)  # term name -> sentence snippet
    text_needs: dict = field(default_factory=dict)
    goals: frozenset = frozenset()
    targets: frozenset = frozenset()
    towns: frozenset = frozenset()  # town names ("市外" never counts as shared)
    collaborators: frozenset = frozenset()  # stakeholder pks already working with it
    text: str = ""
    tokens: list = field(default_factory=list)
    vector: dict = field(default_factory=dict)

    @property
    def has_inputs(self):
        return bool(self.goals or self.offers or self.needs)

    def fingerprint_parts(self):
        return (
            sorted(self.offers),
            sorted(self.needs),
            sorted(self.text_offers),
            sorted(self.text_needs),
            sorted(self.goals),
            sorted(self.targets),
            sorted(self.towns),
            self.kind,
        )


def pair_fingerprint(a: Features, b: Features) -> str:
    """A digest of the inputs that decide whether a pair fits; text edits do not count."""
    raw = repr((a.key, a.fingerprint_parts(), b.key, b.fingerprint_parts()))
    return hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()


def _snippet(sentence):
    sentence = sentence.strip()
    if len(sentence) <= SNIPPET_LENGTH:
        return sentence
    return sentence[: SNIPPET_LENGTH - 1] + "…"


def terms_in_text(text, term_names_by_slug, exclude=()):
    """Offers and needs a free text speaks of: ({name: snippet}, {name: snippet}).

    A sentence that names a term (its name or a keyword) and says it is sought
    (求めています, 探しています, 課題です, …) is a need; one that says it is given
    (提供, 貸し出し, …) is an offer. Terms already in ``exclude`` are skipped.
    """
    offers, needs = {}, {}
    if not text:
        return offers, needs
    keywords = {
        slug: [name, *TERM_KEYWORDS.get(slug, [])] for slug, name in term_names_by_slug.items()
    }
    for sentence in SENTENCE_END.split(text):
        if not sentence.strip():
            continue
        is_need = bool(NEED_MARKERS.search(sentence))
        is_offer = not is_need and bool(OFFER_MARKERS.search(sentence))
        if not (is_need or is_offer):
            continue
        for slug, words in keywords.items():
            name = term_names_by_slug[slug]
            if name in exclude or not any(word in sentence for word in words):
                continue
            target = needs if is_need else offers
            target.setdefault(name, _snippet(sentence))
    return offers, needs


def stream_text(value):
    """Plain text of a StreamField (any block shape)."""
    parts = []

    def walk(item):
        if item is None:
            return
        if isinstance(item, str):
            parts.append(strip_tags(item))
        elif isinstance(item, dict):
            for key, sub in item.items():
                if key not in ("type", "id"):
                    walk(sub)
        elif isinstance(item, list | tuple):
            for sub in item:
                walk(sub)
        else:
            walk(getattr(item, "source", None) or str(item))

    raw = getattr(value, "raw_data", value)
    walk(list(raw) if raw is not None else [])
    return "\n".join(part for part in parts if part.strip())


def load_features():
    """Features of every published stakeholder and of every project seeking partners.

    Returns (stakeholders, projects), lists of Features. A fixed number of queries.
    """
    from projects.models import ProjectPage, ProjectStatus
    from stakeholders.models import OfferNeedTerm, StakeholderPage

    term_names = dict(OfferNeedTerm.objects.values_list("slug", "name"))
    collaborations = {}
    projects = list(
        ProjectPage.objects.live()
        .select_related("lead")
        .prefetch_related("goals", "targets", "towns", "seeking", "partners")
    )
    for project in projects:
        members = {project.lead_id, *(p.pk for p in project.partners.all())} - {None}
        for pk in members:
            collaborations.setdefault(pk, set()).update(members - {pk})

    stakeholders = []
    by_pk = {}
    pages = StakeholderPage.objects.live().prefetch_related(
        "goals", "targets", "towns", "offers", "needs", "tags"
    )
    for page in pages:
        offers = frozenset(term.name for term in page.offers.all())
        needs = frozenset(term.name for term in page.needs.all())
        tags = " ".join(tag.name for tag in page.tags.all())
        text = "\n".join([page.title, page.summary, stream_text(page.description), tags])
        text_offers, text_needs = terms_in_text(
            "\n".join([page.summary, stream_text(page.description)]),
            term_names,
            exclude=offers | needs,
        )
        # What a stakeholder says it needs in its text cannot also be an offer.
        for name in list(text_offers):
            if name in text_needs:
                del text_offers[name]
        row = Features(
            key=f"s{page.pk}",
            pk=page.pk,
            is_project=False,
            stakeholder_pk=page.pk,
            name=page.title,
            kind=page.kind,
            offers=offers,
            needs=needs,
            text_offers=text_offers,
            text_needs=text_needs,
            goals=frozenset(goal.pk for goal in page.goals.all()),
            targets=frozenset(target.pk for target in page.targets.all()),
            towns=frozenset(town.name for town in page.towns.all()),
            collaborators=frozenset(collaborations.get(page.pk, ())),
            text=text,
        )
        stakeholders.append(row)
        by_pk[page.pk] = row

    seeking_projects = []
    open_statuses = {ProjectStatus.IDEA, ProjectStatus.RECRUITING, ProjectStatus.RUNNING}
    for project in projects:
        lead = by_pk.get(project.lead_id)
        seeking = frozenset(term.name for term in project.seeking.all())
        if lead is None or not seeking or project.status not in open_statuses:
            continue
        members = {project.lead_id, *(p.pk for p in project.partners.all())}
        text = "\n".join([project.title, project.summary, stream_text(project.body)])
        seeking_projects.append(
            Features(
                key=f"p{project.pk}",
                pk=project.pk,
                is_project=True,
                stakeholder_pk=project.lead_id,
                name=project.title,
                kind=lead.kind,
                offers=lead.offers,
                needs=seeking,
                goals=frozenset(goal.pk for goal in project.goals.all()) or lead.goals,
                targets=frozenset(target.pk for target in project.targets.all()),
                towns=frozenset(town.name for town in project.towns.all()) or lead.towns,
                collaborators=frozenset(members),
                text=text,
            )
        )
    return stakeholders, seeking_projects
