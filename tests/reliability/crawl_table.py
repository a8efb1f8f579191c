"""The one table of the role × URL permission crawl (tests/reliability/test_permission_crawl.py).

TABLE maps every URL pattern of the site, by its route as Django's resolver spells it,
to the URLs the crawl requests for it (filled with the ids of real objects: {draft_a} is
stakeholder A's unpublished project, {room_a} A's project chat room...) and what each
role gets for a GET:

    ok("marker")      200, and the answer contains the marker
    LOGIN             302 to the site's sign-in page (ADMIN_LOGIN: Wagtail's, KIDS_LOGIN: the
                      children's, DJANGO_ADMIN_LOGIN: Django's admin)
    ADMIN_REFUSED     302 to the Wagtail dashboard: Wagtail's "no permission" answer
    FORBIDDEN, NOT_FOUND, NOT_ALLOWED, ...   the status alone

Views that change something carry `post=` data: every role whose GET answer is a refusal
also POSTs it and must get the same refusal (or the one in `post_expect`) with nothing
written to the database. A pattern missing here, or a route here that the site no longer
has, fails the crawl.

Besides the markers, no answer to any role may contain a SECRET that role is not in.
"""

from dataclasses import dataclass

ROLES = ("anonymous", "citizen", "ambassador", "partner_a", "partner_b", "facilitator")

# --- protected data, and who may see it --------------------------------------------------
DRAFT_TITLE_A = "Aの下書き計画ひみつ"  # A's unpublished project, in the approval workflow
DRAFT_REVISION_TITLE_A = "団体Aの改訂案ひみつ"  # an unpublished revision of A's page
PRIVATE_EMAIL_A = "a-private@example.jp"  # A's contact address, not public
ROOM_MESSAGE_A = "Aルームのひみつの相談"  # said in A's project chat room
REGISTRANT_EMAIL_A = "registrant-a@example.jp"  # a visitor registered for A's event
APPLICATION_NOTE = "申請理由ひみつ"  # a pending partner application's message

A_SIDE = frozenset({"partner_a", "facilitator"})
SECRETS = {
    DRAFT_TITLE_A: A_SIDE,
    DRAFT_REVISION_TITLE_A: A_SIDE,
    PRIVATE_EMAIL_A: A_SIDE,
    ROOM_MESSAGE_A: A_SIDE,
    REGISTRANT_EMAIL_A: A_SIDE,
    APPLICATION_NOTE: frozenset({"facilitator"}),
}


# --- outcomes ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    status: int
    to: str = ""  # a redirect's target path (its query string is not compared)
    marker: str = ""  # text a 200 answer must contain

    def __str__(self):
        if self.to:
            return f"{self.status} → {self.to}"
        if self.marker:
            return f"{self.status} containing {self.marker!r}"
        return str(self.status)


def ok(marker):
    return Outcome(200, marker=marker)


def redirect(to):
    return Outcome(302, to=to)


LOGIN = redirect("/accounts/login/")
KIDS_LOGIN = redirect("/reports/login/")
KIDS_HOME = redirect("/reports/mine/")  # where a signed-in child is sent
# Wagtail's admin sends whoever it refuses to /admin/login/ (openlab.views.site_login): on
# to the site's log-in page (rate-limited), or for signed-in people, NO_ADMIN.
ADMIN_LOGIN = redirect("/admin/login/")
# The page that tells a signed-in person without access where their things are.
NO_ADMIN = Outcome(403, marker="入れません")
ADMIN_REFUSED = redirect("/admin/")
DJANGO_ADMIN_LOGIN = redirect("/django-admin/login/")
BAD_REQUEST = Outcome(400)
UNAUTHORISED = Outcome(401)
FORBIDDEN = Outcome(403)
NOT_FOUND = Outcome(404)
NOT_ALLOWED = Outcome(405)
SERVER_ERROR = Outcome(500)


def each(default, **per_role):
    """Every role gets `default`, except those named."""
    unknown = set(per_role) - set(ROLES)
    assert not unknown, f"unknown roles {unknown}"
    return {role: per_role.get(role, default) for role in ROLES}


def signed_in(outcome, **per_role):
    """Anonymous visitors are sent to sign in; signed-in roles get `outcome` unless named."""
    return each(outcome, **{"anonymous": LOGIN, **per_role})


def admin(partners=ADMIN_REFUSED, facilitator=ADMIN_REFUSED, **per_role):
    """The Wagtail admin: only partners and facilitators enter (anonymous visitors, citizens
    and ambassadors are sent to its sign-in page); `partners` is what both partners get."""
    expect = each(ADMIN_LOGIN, partner_a=partners, partner_b=partners, facilitator=facilitator)
    expect.update(per_role)
    return expect


def facilitators_only(marker):
    return admin(facilitator=ok(marker))


PARTNERS_REFUSED = {"partner_a": ADMIN_REFUSED, "partner_b": ADMIN_REFUSED}


@dataclass(frozen=True)
class Case:
    url: str
    expect: dict
    post: dict | None = None
    post_expect: dict | None = None

    def refused_posts(self):
        """{role: expected answer} for the roles that POST: those refused the GET, and
        those named in post_expect (for POST-only views every GET is 405)."""
        if self.post is None:
            return {}
        posts = {
            role: outcome
            for role, outcome in self.expect.items()
            if outcome.status not in (200, 405)
        }
        posts.update(self.post_expect or {})
        return posts


def case(url, expect, **options):
    return [Case(url, expect, **options)]


# Nobody in the lab is Django staff: Django's own admin (kept for emergencies) refuses
# everyone, whatever the model.
DJANGO_ADMIN_MODELS = (
    "wagtaildocs/document",
    "wagtailimages/image",
    "taggit/tag",
    "django_q/schedule",
    "django_q/success",
    "django_q/failure",
    "django_q/ormq",
    "account/emailaddress",
    "auth/group",
    "auth/user",
)
DJANGO_ADMIN_MODEL_ROUTES = {
    "": "",
    "add/": "add/",
    "<path:object_id>/history/": "{citizen_user}/history/",
    "<path:object_id>/delete/": "{citizen_user}/delete/",
    "<path:object_id>/change/": "{citizen_user}/change/",
    "<path:object_id>/": "{citizen_user}/",
}

# --- the table ---------------------------------------------------------------------------
SITE_NAME = "東村山市わたしたちのSDGsオープンラボ"
EDIT = {"title": "乗っ取り", "slug": "hijacked"}

TABLE = {
    # --- the public site -----------------------------------------------------------------
    "healthz": case("/healthz", each(ok('"checks"'))),
    "lang/<str:code>/": case("/lang/en/?next=/sdgs/", each(redirect("/sdgs/"))),
    "sdgs/": case("/sdgs/", each(ok("SDGs 17の目標"))),
    "sdgs/<str:number>/": case("/sdgs/11/", each(ok("目標11"))),
    "^((?:[\\w\\-]+/)*)$": [
        Case("/", each(ok(SITE_NAME))),
        Case("/stakeholders/{a_slug}/", each(ok("団体A"))),
        Case("/projects/{project_a_slug}/", each(ok("Aのプロジェクト"))),
        # Unpublished: nobody reaches it on the site, not even A (the admin preview is theirs).
        Case("/projects/a-draft/", each(NOT_FOUND)),
        Case("/projects/protected/", each(ok("password"))),
        # The organisers' list of registrations (a route of the event page).
        Case(
            "/events/a-event/registrations/",
            each(FORBIDDEN, partner_a=ok(REGISTRANT_EMAIL_A), facilitator=ok(REGISTRANT_EMAIL_A)),
            post={"action": "cancel", "registration": "{registration}"},
        ),
    ],
    "documents/^(\\d+)/(.*)$": case("/documents/{document}/crawl.txt", each(ok("crawl document"))),
    "documents/authenticate_with_password/<int:restriction_id>/": case(
        "/documents/authenticate_with_password/{collection_restriction}/?next=/",
        each(ok("password")),
    ),
    "_util/authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/": case(
        "/_util/authenticate_with_password/{page_restriction}/{protected}/",
        each(ok("password")),
        post={"password": "wrong", "return_url": "/projects/protected/"},
    ),
    "_util/login/": case("/_util/login/", each(LOGIN)),
    "bench/trivial/": case("/bench/trivial/", each(ok("01234567890123456789"))),
    # --- notifications -------------------------------------------------------------------
    "accounts/interests/": case(
        "/accounts/interests/", signed_in(ok("関心の設定")), post={"frequency": "none"}
    ),
    "feed/": case("/feed/", signed_in(ok("フィード"))),
    # --- マイページ ----------------------------------------------------------------------
    "mypage/": case("/mypage/", signed_in(ok("マイページ"))),
    # {registration} is a visitor's registration for A's event: nobody's own, so nobody's.
    "mypage/registrations/<int:pk>/cancel/": case(
        "/mypage/registrations/{registration}/cancel/", signed_in(NOT_FOUND), post={}
    ),
    "mypage/data/": case("/mypage/data/", signed_in(ok('"openlab-personal-data/1"'))),
    # Children's accounts are closed by a facilitator (with their guardian), not by themselves.
    "mypage/delete/": case(
        "/mypage/delete/",
        signed_in(ok("アカウントの削除"), ambassador=FORBIDDEN),
        post={"password": "pw-wrong", "confirm": "on"},
    ),
    # Any signed-in person may follow a stakeholder.
    "follow/": case(
        "/follow/",
        signed_in(NOT_ALLOWED),
        post={"target": "stakeholder", "id": "{a}", "action": "follow"},
    ),
    # The signed token is the credential (links in e-mails): whoever holds it may use it.
    "notifications/unsubscribe/<str:token>/": case(
        "/notifications/unsubscribe/{unsubscribe_token}/", each(ok("配信停止"))
    ),
    "notifications/digest/<str:token>/": case(
        "/notifications/digest/{digest_token}/", each(ok("まとめメール"))
    ),
    # --- open data and APIs (public, live pages only) -------------------------------------
    "opendata/": case("/opendata/", each(ok("オープンデータ"))),
    "opendata/<slug:slug>.<str:fmt>": [
        Case("/opendata/stakeholders.csv", each(ok("団体A"))),
        Case("/opendata/stakeholders.json", each(ok('"dataset": "stakeholders"'))),
    ],
    "api/v2/^pages/": case("/api/v2/pages/?child_of={projects_index}", each(ok("Aのプロジェクト"))),
    "api/v2/^pages/<int:pk>/": [
        Case("/api/v2/pages/{draft_a}/", each(NOT_FOUND)),
        Case("/api/v2/pages/{a}/", each(ok('"title": "団体A"'))),
    ],
    "api/v2/^pages/find/": case(
        "/api/v2/pages/find/?html_path=/projects/a-draft/", each(NOT_FOUND)
    ),
    "search/": case("/search/?q=A", each(ok("検索結果"))),
    "api/search/": case("/api/search/?q=A", each(ok('"query"'))),
    "api/search/schema.json": case("/api/search/schema.json", each(ok('"$schema"'))),
    "dashboard/": case("/dashboard/", each(ok("SDGsダッシュボード"))),
    "dashboard/gaps/": case(
        "/dashboard/gaps/", signed_in(FORBIDDEN, facilitator=ok("手薄なところ"))
    ),
    # --- events ----------------------------------------------------------------------------
    "events/feed.ics": case("/events/feed.ics", each(ok("Aのイベント"))),
    "events/<slug:slug>/event.ics": case("/events/a-event/event.ics", each(ok("Aのイベント"))),
    "events/<slug:slug>/<str:day>/event.ics": case(
        "/events/a-event/{occurrence_date}/event.ics", each(ok("Aのイベント"))
    ),
    "events/<slug:slug>/registrations.csv": case(
        "/events/a-event/registrations.csv",
        each(FORBIDDEN, partner_a=ok(REGISTRANT_EMAIL_A), facilitator=ok(REGISTRANT_EMAIL_A)),
    ),
    # Signed e-mail links: a forged token is refused, whoever sends it.
    "events/registrations/confirm/<str:token>/": case(
        "/events/registrations/confirm/forged-token/", each(BAD_REQUEST), post={}
    ),
    "events/registrations/cancel/<str:token>/": case(
        "/events/registrations/cancel/forged-token/", each(BAD_REQUEST), post={}
    ),
    # --- accounts (allauth and partner applications) ---------------------------------------
    # A signed-in child is sent where children land (openlab/accounts/adapter.py).
    "accounts/login/": case(
        "/accounts/login/",
        signed_in(redirect("/"), anonymous=ok("ログイン"), ambassador=KIDS_HOME),
    ),
    "accounts/logout/": case(
        "/accounts/logout/", signed_in(ok("ログアウト"), anonymous=redirect("/"))
    ),
    "accounts/inactive/": case("/accounts/inactive/", each(ok("無効なアカウント"))),
    "accounts/signup/": case(
        "/accounts/signup/",
        signed_in(redirect("/"), anonymous=ok("新規登録"), ambassador=KIDS_HOME),
    ),
    "accounts/reauthenticate/": case("/accounts/reauthenticate/", signed_in(ok("ご本人の確認"))),
    # Reauthentication by a mailed code: only for accounts that sign in by code (not enabled).
    "accounts/reauthenticate/code/": case(
        "/accounts/reauthenticate/code/", signed_in(ok("ご本人の確認"))
    ),
    "accounts/reauthenticate/code/confirm/": case(
        "/accounts/reauthenticate/code/confirm/",
        signed_in(redirect("/accounts/reauthenticate/code/")),
    ),
    "accounts/email/": case(
        "/accounts/email/",
        signed_in(ok("@example.jp"), citizen=ok("c@example.jp"), partner_b=ok("pb@example.jp")),
    ),
    "accounts/confirm-email/": case("/accounts/confirm-email/", each(ok("メールアドレスの確認"))),
    "accounts/password/change/": case(
        "/accounts/password/change/", signed_in(ok("パスワードの変更"))
    ),
    "accounts/password/set/": case(
        "/accounts/password/set/", signed_in(redirect("/accounts/password/change/"))
    ),
    "accounts/password/reset/": case("/accounts/password/reset/", each(ok("パスワードの再設定"))),
    "accounts/password/reset/done/": case(
        "/accounts/password/reset/done/", each(ok("パスワードの再設定"))
    ),
    "accounts/password/reset/key/done/": case(
        "/accounts/password/reset/key/done/", each(ok("パスワードを変更しました"))
    ),
    "accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": case(
        "/accounts/password/reset/key/1-forged-key/", each(ok("新しいパスワード"))
    ),
    "accounts/login/code/confirm/": case(
        "/accounts/login/code/confirm/",
        signed_in(redirect("/"), anonymous=LOGIN, ambassador=KIDS_HOME),
    ),
    "accounts/^confirm-email/(?P<key>[-:\\w]+)/$": case(
        "/accounts/confirm-email/forged-key/", each(ok("メールアドレスの確認"))
    ),
    "accounts/partner/": case("/accounts/partner/", signed_in(ok("パートナー申請の状況"))),
    # Children cannot apply: a refusal in Japanese, and nothing written.
    "accounts/partner/apply/": case(
        "/accounts/partner/apply/",
        signed_in(ok("パートナー申請"), ambassador=Outcome(403, marker="こども大使のアカウント")),
        post={"new_name": "乗っ取り団体", "new_kind": "npo"},
    ),
    # --- kids' reports -----------------------------------------------------------------------
    "reports/login/": case(
        "/reports/login/", each(ok("こども大使のログイン"), ambassador=redirect("/reports/mine/"))
    ),
    "reports/new/": case(
        "/reports/new/",
        each(FORBIDDEN, anonymous=KIDS_LOGIN, ambassador=ok("レポートを書く")),
        post={"title": "乗っ取り", "body": "x", "date": "2026-05-01", "goals": "11"},
    ),
    "reports/mine/": case(
        "/reports/mine/", each(FORBIDDEN, anonymous=KIDS_LOGIN, ambassador=ok("公園のごみひろい"))
    ),
    "reports/mine/<int:pk>/edit/": case(
        "/reports/mine/{report}/edit/",
        each(FORBIDDEN, anonymous=KIDS_LOGIN, ambassador=ok("公園のごみひろい")),
        post={"title": "乗っ取り", "body": "x", "date": "2026-05-01", "goals": "11"},
    ),
    "reports/ambassadors/new/": case(
        "/reports/ambassadors/new/",
        signed_in(FORBIDDEN, facilitator=ok("こども大使のアカウントを作る")),
        post={
            "nickname": "乗っ取り",
            "username": "intruder",
            "password": "pw-Crawl-12345",
            "grade": "小学5年",
            "guardian": "保護者",
        },
    ),
    # --- chat: rooms are 404 to non-members (a room's existence is not revealed) --------------
    "chat/": case(
        "/chat/",
        signed_in(ok("チャット"), partner_a=ok("Aのプロジェクト"), partner_b=ok("Bのプロジェクト")),
    ),
    # Direct conversations are between partners; others are sent back with a message.
    "chat/direct/": case(
        "/chat/direct/",
        signed_in(NOT_ALLOWED),
        post={"username": "pa"},
        post_expect={"citizen": redirect("/chat/"), "ambassador": redirect("/chat/")},
    ),
    "chat/<int:room_id>/": case(
        "/chat/{room_a}/",
        signed_in(NOT_FOUND, partner_a=ok(ROOM_MESSAGE_A), facilitator=ok(ROOM_MESSAGE_A)),
        post={"body": "乗っ取り", "key": "crawl-intruder-1"},
    ),
    "api/chat/rooms/<int:room_id>/messages/": case(
        "/api/chat/rooms/{room_a}/messages/",
        each(
            NOT_FOUND,
            anonymous=UNAUTHORISED,
            partner_a=ok(ROOM_MESSAGE_A),
            facilitator=ok(ROOM_MESSAGE_A),
        ),
    ),
    # --- matching: a proposal between A and C ------------------------------------------------
    "matches/": case(
        "/matches/",
        signed_in(
            FORBIDDEN,
            partner_a=ok("団体C"),
            partner_b=ok("マッチング"),
            facilitator=ok("マッチング"),
        ),
    ),
    "matches/<int:pk>/<slug:action>/": case(
        "/matches/{proposal}/introduce/",
        signed_in(NOT_ALLOWED),
        post={},
        post_expect={"citizen": FORBIDDEN, "ambassador": FORBIDDEN, "partner_b": FORBIDDEN},
    ),
    # --- the Wagtail admin -------------------------------------------------------------------
    # Partners enter it to edit their stakeholder's pages (A's: {a}, {project_a}, {draft_a});
    # facilitators curate everything. Page-level views refuse partner B on A's pages.
    "admin/": case(
        "/admin/",
        admin(
            partner_a=ok(DRAFT_TITLE_A),  # "your pages in a workflow"
            partner_b=ok("localhost"),  # the site summary
            facilitator=ok(DRAFT_TITLE_A),  # "awaiting your review"
        ),
    ),
    "admin/test404/": case("/admin/test404/", admin(partners=ok("404"), facilitator=ok("404"))),
    "admin/failwhale/": case(
        "/admin/failwhale/", admin(partners=SERVER_ERROR, facilitator=SERVER_ERROR)
    ),  # Wagtail's deliberate error page, for admin users only
    # Wagtail's catch-all redirects to its own log-in URL, which forwards to the site's.
    "admin/^.*/$": case(
        "/admin/no-such-admin-page/",
        admin(
            partners=NOT_FOUND,
            facilitator=NOT_FOUND,
            **dict.fromkeys(("anonymous", "citizen", "ambassador"), redirect("/admin/login/")),
        ),
    ),
    "admin/api/main/^pages/": case(
        "/admin/api/main/pages/?child_of={projects_index}",
        admin(
            partner_a=ok(DRAFT_TITLE_A),
            partner_b=ok("Bのプロジェクト"),
            facilitator=ok(DRAFT_TITLE_A),
        ),
    ),
    "admin/api/main/^pages/<int:pk>/": case(
        "/admin/api/main/pages/{draft_a}/",
        admin(partner_a=ok(DRAFT_TITLE_A), partner_b=NOT_FOUND, facilitator=ok(DRAFT_TITLE_A)),
    ),
    "admin/api/main/^pages/find/": case(
        "/admin/api/main/pages/find/?id={draft_a}",
        admin(
            partner_a=redirect("/admin/api/main/pages/{draft_a}/"),
            partner_b=NOT_FOUND,
            facilitator=redirect("/admin/api/main/pages/{draft_a}/"),
        ),
    ),
    "admin/api/main/^pages/<int:pk>/action/<str:action_name>/": case(
        "/admin/api/main/pages/{draft_a}/action/copy/",
        admin(partners=NOT_ALLOWED, facilitator=NOT_ALLOWED),
        post={"destination_page_id": "{projects_index}", "slug": "copied", "title": "乗っ取り"},
        post_expect={"partner_b": NOT_FOUND},  # B does not even see A's draft
    ),
    "admin/api/main/^documents/": case(
        "/admin/api/main/documents/",
        admin(partners=ok("クロール資料"), facilitator=ok("クロール資料")),
    ),
    "admin/api/main/^documents/<int:pk>/": case(
        "/admin/api/main/documents/{document}/",
        admin(partners=ok("クロール資料"), facilitator=ok("クロール資料")),
    ),
    "admin/api/main/^documents/find/": case(
        "/admin/api/main/documents/find/?id={document}",
        admin(
            partners=redirect("/admin/api/main/documents/{document}/"),
            facilitator=redirect("/admin/api/main/documents/{document}/"),
        ),
    ),
    "admin/api/main/^images/": case(
        "/admin/api/main/images/",
        admin(partners=ok("クロール画像"), facilitator=ok("クロール画像")),
    ),
    "admin/api/main/^images/<int:pk>/": case(
        "/admin/api/main/images/{image}/",
        admin(partners=ok("クロール画像"), facilitator=ok("クロール画像")),
    ),
    "admin/api/main/^images/find/": case(
        "/admin/api/main/images/find/?id={image}",
        admin(
            partners=redirect("/admin/api/main/images/{image}/"),
            facilitator=redirect("/admin/api/main/images/{image}/"),
        ),
    ),
    # --- pages: the explorer, search, choosers --------------------------------------------------
    "admin/pages/": case(
        "/admin/pages/",
        admin(partners=redirect("/admin/pages/{home}/"), facilitator=ok(SITE_NAME)),
    ),
    "admin/pages/<int:parent_page_id>/": [
        Case(
            "/admin/pages/{projects_index}/",
            admin(
                partner_a=ok(DRAFT_TITLE_A),
                partner_b=ok("Bのプロジェクト"),
                facilitator=ok(DRAFT_TITLE_A),
            ),
        ),
        # A page by its own id shows its (draft) title: a partner only opens their own.
        Case(
            "/admin/pages/{draft_a}/",
            admin(partner_a=ok(DRAFT_TITLE_A), partner_b=FORBIDDEN, facilitator=ok(DRAFT_TITLE_A)),
        ),
    ],
    "admin/pages/<int:parent_page_id>/results/": [
        Case(
            "/admin/pages/{projects_index}/results/",
            admin(
                partner_a=ok(DRAFT_TITLE_A),
                partner_b=ok("Bのプロジェクト"),
                facilitator=ok(DRAFT_TITLE_A),
            ),
        ),
        Case(
            "/admin/pages/{draft_a}/results/",
            admin(
                partner_a=ok("/admin/pages/{draft_a}/"),
                partner_b=FORBIDDEN,
                facilitator=ok("/admin/pages/{draft_a}/"),
            ),
        ),
    ],
    "admin/pages/search/": case(
        "/admin/pages/search/?q=A",
        admin(
            partner_a=ok(DRAFT_TITLE_A),
            partner_b=ok("/admin/pages/search/results/"),
            facilitator=ok(DRAFT_TITLE_A),
        ),
    ),
    "admin/pages/search/results/": case(
        "/admin/pages/search/results/?q=A",
        admin(
            partner_a=ok(DRAFT_TITLE_A),
            partner_b=ok("Sorry, no pages match"),
            facilitator=ok(DRAFT_TITLE_A),
        ),
    ),
    "admin/pages/usage/<slug:content_type_app_name>/<slug:content_type_model_name>/": case(
        "/admin/pages/usage/projects/projectpage/",
        admin(
            partner_a=ok(DRAFT_TITLE_A),
            partner_b=ok("Bのプロジェクト"),
            facilitator=ok(DRAFT_TITLE_A),
        ),
    ),
    "admin/pages/usage/<slug:content_type_app_name>/<slug:content_type_model_name>/results/": case(
        "/admin/pages/usage/projects/projectpage/results/",
        admin(
            partner_a=ok(DRAFT_TITLE_A),
            partner_b=ok("Bのプロジェクト"),
            facilitator=ok(DRAFT_TITLE_A),
        ),
    ),
    "admin/choose-page/": case(
        "/admin/choose-page/", admin(partners=ok(SITE_NAME), facilitator=ok(SITE_NAME))
    ),
    "admin/choose-page/<int:parent_page_id>/": [
        Case(
            "/admin/choose-page/{projects_index}/",
            admin(
                partner_a=ok(DRAFT_TITLE_A),
                partner_b=ok("Aのプロジェクト"),  # published pages: linkable by anyone
                facilitator=ok(DRAFT_TITLE_A),
            ),
        ),
        Case(
            "/admin/choose-page/{draft_a}/",
            admin(partner_a=ok(DRAFT_TITLE_A), partner_b=FORBIDDEN, facilitator=ok(DRAFT_TITLE_A)),
        ),
    ],
    "admin/choose-page/search/": case(
        "/admin/choose-page/search/?q=A",
        admin(
            partner_a=ok(DRAFT_TITLE_A),
            partner_b=ok("Aのプロジェクト"),
            facilitator=ok(DRAFT_TITLE_A),
        ),
    ),
    "admin/choose-page/chosen-multiple/": case(
        "/admin/choose-page/chosen-multiple/?id={draft_a}",
        admin(partner_a=ok(DRAFT_TITLE_A), partner_b=FORBIDDEN, facilitator=ok(DRAFT_TITLE_A)),
    ),
    "admin/choose-external-link/": case(
        "/admin/choose-external-link/", admin(partners=ok('"html"'), facilitator=ok('"html"'))
    ),
    "admin/choose-email-link/": case(
        "/admin/choose-email-link/", admin(partners=ok('"html"'), facilitator=ok('"html"'))
    ),
    "admin/choose-phone-link/": case(
        "/admin/choose-phone-link/", admin(partners=ok('"html"'), facilitator=ok('"html"'))
    ),
    "admin/choose-anchor-link/": case(
        "/admin/choose-anchor-link/", admin(partners=ok('"html"'), facilitator=ok('"html"'))
    ),
    "admin/tag-autocomplete/": case(
        "/admin/tag-autocomplete/?term=a", admin(partners=ok("["), facilitator=ok("["))
    ),
    "admin/tag-autocomplete/<slug:app_name>/<slug:model_name>/": case(
        "/admin/tag-autocomplete/stakeholders/stakeholdertag/?term=a",
        admin(partners=NOT_FOUND, facilitator=NOT_FOUND),  # not a tag model
    ),
    "admin/bulk/<str:app_label>/<str:model_name>/<str:action>/": [
        # A may delete its own never-published draft (Wagtail: an owner's draft), not B.
        # The confirmation lists the pages by draft title: a partner names only their own.
        Case(
            "/admin/bulk/wagtailcore/page/delete/?id={draft_a}",
            admin(partner_a=ok(DRAFT_TITLE_A), partner_b=FORBIDDEN, facilitator=ok(DRAFT_TITLE_A)),
            post={"id": "{draft_a}"},
        ),
        Case(
            "/admin/bulk/wagtailcore/page/unpublish/?id={project_a}",
            admin(
                partner_a=ok("Aのプロジェクト"),
                partner_b=FORBIDDEN,
                facilitator=ok("Aのプロジェクト"),
            ),
            post={"id": "{project_a}"},
            post_expect={"partner_a": redirect("/admin/bulk/wagtailcore/page/unpublish/")},
        ),
    ],
    # --- pages: one page's views ----------------------------------------------------------------
    "admin/pages/add/<slug:content_type_app_name>/<slug:content_type_model_name>/<int:parent_page_id>/": case(  # noqa: E501
        "/admin/pages/add/projects/projectpage/{projects_index}/",
        admin(partners=ok("projectpage"), facilitator=ok("projectpage")),
        post={**EDIT, "lead": "{a}"},
    ),
    "admin/pages/add/<slug:content_type_app_name>/<slug:content_type_model_name>/<int:parent_page_id>/preview/": case(  # noqa: E501
        "/admin/pages/add/projects/projectpage/{projects_index}/preview/",
        admin(partners=ok("Preview"), facilitator=ok("Preview")),
        post=EDIT,
    ),
    "admin/pages/create/<slug:app_label>/<slug:model_name>": case(
        "/admin/pages/create/projects/projectpage",
        admin(
            partners=redirect("/admin/pages/add/projects/projectpage/{projects_index}/"),
            facilitator=redirect("/admin/pages/add/projects/projectpage/{projects_index}/"),
        ),
    ),
    "admin/pages/<int:parent_page_id>/add_subpage/": case(
        "/admin/pages/{projects_index}/add_subpage/",
        admin(
            partners=redirect("/admin/pages/add/projects/projectpage/{projects_index}/"),
            facilitator=redirect("/admin/pages/add/projects/projectpage/{projects_index}/"),
        ),
    ),
    "admin/pages/<int:page_id>/edit/": [
        Case(
            "/admin/pages/{draft_a}/edit/",
            admin(partner_a=ok(DRAFT_TITLE_A), facilitator=ok(DRAFT_TITLE_A)),
            post=EDIT,
        ),
        Case(
            "/admin/pages/{a}/edit/",
            admin(partner_a=ok(DRAFT_REVISION_TITLE_A), facilitator=ok(DRAFT_REVISION_TITLE_A)),
            post=EDIT,
        ),
    ],
    "admin/pages/<int:page_id>/edit/preview/": case(
        "/admin/pages/{draft_a}/edit/preview/",
        admin(partner_a=ok("Preview"), facilitator=ok("Preview")),
        post=EDIT,
    ),
    "admin/pages/<int:page_id>/view_draft/": [
        Case(
            "/admin/pages/{draft_a}/view_draft/",
            admin(partner_a=ok(DRAFT_TITLE_A), facilitator=ok(DRAFT_TITLE_A)),
        ),
        Case(
            "/admin/pages/{a}/view_draft/",
            admin(partner_a=ok(DRAFT_REVISION_TITLE_A), facilitator=ok(DRAFT_REVISION_TITLE_A)),
        ),
    ],
    "admin/pages/<int:page_id>/usage/": case(
        "/admin/pages/{draft_a}/usage/",
        admin(partner_a=ok(DRAFT_TITLE_A), facilitator=ok(DRAFT_TITLE_A)),
    ),
    # Deleting, unpublishing, moving and privacy are the facilitators' (partners submit
    # changes to the approval workflow).
    "admin/pages/<int:page_id>/delete/": case(
        "/admin/pages/{project_a}/delete/", facilitators_only("Aのプロジェクト"), post={}
    ),
    "admin/pages/<int:page_id>/unpublish/": case(
        "/admin/pages/{project_a}/unpublish/", facilitators_only("Aのプロジェクト"), post={}
    ),
    "admin/pages/<int:page_id>/convert_alias/": case(
        "/admin/pages/{project_a}/convert_alias/",
        admin(partners=NOT_FOUND, facilitator=NOT_FOUND),  # not an alias
        post={},
    ),
    "admin/pages/<int:page_to_move_id>/move/": case(
        "/admin/pages/{project_a}/move/", facilitators_only("Aのプロジェクト")
    ),
    "admin/pages/<int:page_to_move_id>/move/<int:destination_id>/confirm/": case(
        "/admin/pages/{draft_a}/move/{projects_index}/confirm/",
        # Wagtail lets an owner move their own never-published draft (within the index).
        admin(partner_a=ok(DRAFT_TITLE_A), facilitator=ok(DRAFT_TITLE_A)),
        post={},
    ),
    "admin/pages/<int:page_to_move_id>/set_position/": case(
        "/admin/pages/{project_a}/set_position/?position=0",
        admin(partners=NOT_ALLOWED, facilitator=NOT_ALLOWED),
        post={},
        post_expect=PARTNERS_REFUSED,
    ),
    "admin/pages/<int:page_id>/privacy/": case(
        "/admin/pages/{project_a}/privacy/",
        facilitators_only("/admin/pages/{project_a}/privacy/"),
        post={"restriction_type": "password", "password": "x"},
    ),
    "admin/pages/<int:page_id>/lock/": case(
        "/admin/pages/{project_a}/lock/",
        admin(partners=NOT_ALLOWED, facilitator=NOT_ALLOWED),
        post={},
        post_expect=PARTNERS_REFUSED,
    ),
    "admin/pages/<int:page_id>/unlock/": case(
        "/admin/pages/{project_a}/unlock/",
        admin(partners=NOT_ALLOWED, facilitator=NOT_ALLOWED),
        post={},
        post_expect=PARTNERS_REFUSED,
    ),
    "admin/pages/<int:page_id>/copy/": case(
        "/admin/pages/{draft_a}/copy/",
        admin(partner_a=ok(DRAFT_TITLE_A), facilitator=ok(DRAFT_TITLE_A)),
        post={
            "new_title": "乗っ取り",
            "new_slug": "hijacked",
            "new_parent_page": "{projects_index}",
        },
    ),
    # --- pages: revisions and history ----------------------------------------------------------
    "admin/pages/<int:page_id>/revisions/": case(
        "/admin/pages/{a}/revisions/",
        admin(
            partners=redirect("/admin/pages/{a}/history/"),
            facilitator=redirect("/admin/pages/{a}/history/"),
        ),
    ),
    "admin/pages/<int:page_id>/revisions/<int:revision_id>/view/": case(
        "/admin/pages/{a}/revisions/{draft_revision_a}/view/",
        admin(partner_a=ok(DRAFT_REVISION_TITLE_A), facilitator=ok(DRAFT_REVISION_TITLE_A)),
    ),
    "admin/pages/<int:page_id>/revisions/<int:revision_id>/revert/": case(
        "/admin/pages/{a}/revisions/{draft_revision_a}/revert/",
        admin(partner_a=ok(DRAFT_REVISION_TITLE_A), facilitator=ok(DRAFT_REVISION_TITLE_A)),
    ),
    "admin/pages/<int:page_id>/revisions/<int:revision_id>/unschedule/": case(
        "/admin/pages/{a}/revisions/{draft_revision_a}/unschedule/",
        facilitators_only(DRAFT_REVISION_TITLE_A),
        post={},
    ),
    "admin/pages/^(?P<pk>\\d+)/revisions/compare/(?P<revision_id_a>live|earliest|\\d+)\\.\\.\\.(?P<revision_id_b>live|latest|\\d+)/$": case(  # noqa: E501
        "/admin/pages/{a}/revisions/compare/live...latest/",
        admin(partner_a=ok(DRAFT_REVISION_TITLE_A), facilitator=ok(DRAFT_REVISION_TITLE_A)),
    ),
    "admin/pages/<int:page_id>/history/": case(
        "/admin/pages/{draft_a}/history/",
        admin(partner_a=ok(DRAFT_TITLE_A), facilitator=ok(DRAFT_TITLE_A)),
    ),
    "admin/pages/<int:page_id>/history/results/": case(
        "/admin/pages/{draft_a}/history/results/",
        admin(partner_a=ok("ファシリテーター承認"), facilitator=ok("ファシリテーター承認")),
    ),
    # --- pages: the approval workflow (A's draft is waiting for the facilitators) ---
    "admin/pages/workflow/action/<int:page_id>/<slug:action_name>/<int:task_state_id>/": case(
        "/admin/pages/workflow/action/{draft_a}/approve/{task_state}/",
        facilitators_only("/admin/pages/workflow/action/{draft_a}/approve/{task_state}/"),
        post={"comment": ""},
    ),
    "admin/pages/workflow/collect_action_data/<int:page_id>/<slug:action_name>/<int:task_state_id>/": case(  # noqa: E501
        "/admin/pages/workflow/collect_action_data/{draft_a}/reject/{task_state}/",
        facilitators_only("comment"),
        post={"comment": "乗っ取り"},
    ),
    # Wagtail shows any admin user this generic confirmation (no page data in it).
    "admin/pages/workflow/confirm_cancellation/<int:page_id>/": case(
        "/admin/pages/workflow/confirm_cancellation/{draft_a}/",
        admin(partners=ok('"html"'), facilitator=ok('"html"')),
    ),
    "admin/pages/workflow/preview/<int:page_id>/<int:task_id>/": case(
        "/admin/pages/workflow/preview/{draft_a}/{task}/", facilitators_only(DRAFT_TITLE_A)
    ),
    "admin/pages/<int:page_id>/workflow_history/": case(
        "/admin/pages/{draft_a}/workflow_history/",
        admin(partner_a=ok(DRAFT_TITLE_A), facilitator=ok(DRAFT_TITLE_A)),
    ),
    "admin/pages/<int:page_id>/workflow_history/detail/<int:workflow_state_id>/": case(
        "/admin/pages/{draft_a}/workflow_history/detail/{workflow_state}/",
        admin(partner_a=ok(DRAFT_TITLE_A), facilitator=ok(DRAFT_TITLE_A)),
    ),
    "admin/workflows/list/": case(
        "/admin/workflows/list/", facilitators_only("ファシリテーター承認")
    ),
    "admin/workflows/list/results/": case(
        "/admin/workflows/list/results/", facilitators_only("ファシリテーター承認")
    ),
    "admin/workflows/add/": case(
        "/admin/workflows/add/",
        facilitators_only("/admin/workflows/add/"),
        post={"name": "乗っ取り"},
    ),
    "admin/workflows/edit/<int:pk>/": case(
        "/admin/workflows/edit/{workflow}/",
        facilitators_only("ファシリテーター承認"),
        post={"name": "乗っ取り"},
    ),
    "admin/workflows/enable/<int:pk>/": case(
        "/admin/workflows/enable/{workflow}/",
        admin(partners=NOT_ALLOWED, facilitator=NOT_ALLOWED),
        post={},
        post_expect=PARTNERS_REFUSED,
    ),
    # Disabling needs "delete workflow", which nobody has: the approval workflow stays.
    "admin/workflows/disable/<int:pk>/": case(
        "/admin/workflows/disable/{workflow}/", admin(), post={}
    ),
    "admin/workflows/usage/<int:pk>/": case(
        "/admin/workflows/usage/{workflow}/", facilitators_only("ファシリテーター承認")
    ),
    "admin/workflows/usage/<int:pk>/results/": case(
        "/admin/workflows/usage/{workflow}/results/", facilitators_only(SITE_NAME)
    ),
    "admin/workflows/remove/<int:page_pk>/": case(
        "/admin/workflows/remove/{home}/",
        admin(partners=NOT_ALLOWED, facilitator=NOT_ALLOWED),
        post={},
        post_expect=PARTNERS_REFUSED,
    ),
    "admin/workflows/remove/<int:page_pk>/<int:workflow_pk>/": case(
        "/admin/workflows/remove/{home}/{workflow}/",
        admin(partners=NOT_ALLOWED, facilitator=NOT_ALLOWED),
        post={},
        post_expect=PARTNERS_REFUSED,
    ),
    "admin/workflows/tasks/add/<str:app_label>/<str:model_name>/": case(
        "/admin/workflows/tasks/add/wagtailcore/groupapprovaltask/",
        facilitators_only("groupapprovaltask"),
        post={"name": "乗っ取り"},
    ),
    "admin/workflows/tasks/select_type/": case(
        "/admin/workflows/tasks/select_type/",
        admin(facilitator=redirect("/admin/workflows/tasks/add/wagtailcore/groupapprovaltask/")),
    ),
    "admin/workflows/tasks/index/": case(
        "/admin/workflows/tasks/index/", facilitators_only("ファシリテーター承認")
    ),
    "admin/workflows/tasks/index/results/": case(
        "/admin/workflows/tasks/index/results/", facilitators_only("ファシリテーター承認")
    ),
    "admin/workflows/tasks/edit/<int:pk>/": case(
        "/admin/workflows/tasks/edit/{task}/",
        facilitators_only("ファシリテーター承認"),
        post={"name": "乗っ取り"},
    ),
    "admin/workflows/tasks/disable/<int:pk>/": case(
        "/admin/workflows/tasks/disable/{task}/", admin(), post={}
    ),
    "admin/workflows/tasks/enable/<int:pk>/": case(
        "/admin/workflows/tasks/enable/{task}/",
        admin(partners=NOT_ALLOWED, facilitator=NOT_ALLOWED),
        post={},
        post_expect=PARTNERS_REFUSED,
    ),
    # Wagtail lists the task names to every admin user; only facilitators may create one.
    "admin/workflows/task_chooser/": case(
        "/admin/workflows/task_chooser/",
        admin(partners=ok("ファシリテーター承認"), facilitator=ok("ファシリテーター承認")),
    ),
    "admin/workflows/task_chooser/results/": case(
        "/admin/workflows/task_chooser/results/",
        admin(partners=ok("ファシリテーター承認"), facilitator=ok("ファシリテーター承認")),
    ),
    "admin/workflows/task_chooser/create/": case(
        "/admin/workflows/task_chooser/create/",
        admin(partners=ok('"step"'), facilitator=ok('"step"')),
        post={"create-task-name": "乗っ取り"},
        post_expect={"partner_a": BAD_REQUEST, "partner_b": BAD_REQUEST},
    ),
    "admin/workflows/task_chooser/<int:task_id>/": case(
        "/admin/workflows/task_chooser/{task}/",
        admin(partners=ok("ファシリテーター承認"), facilitator=ok("ファシリテーター承認")),
    ),
    # --- reports ----------------------------------------------------------------------------------
    "admin/reports/locked/": case(
        "/admin/reports/locked/", facilitators_only("/admin/reports/locked/")
    ),
    "admin/reports/locked/results/": case(
        "/admin/reports/locked/results/",
        facilitators_only("ロックされたページは見つかりませんでした"),
    ),
    "admin/reports/workflow/": case(
        "/admin/reports/workflow/",
        admin(
            partner_a=ok(DRAFT_TITLE_A),
            partner_b=ok("ファシリテーター承認"),
            facilitator=ok(DRAFT_TITLE_A),
        ),
    ),
    "admin/reports/workflow/results/": case(
        "/admin/reports/workflow/results/",
        admin(
            partner_a=ok(DRAFT_TITLE_A),
            partner_b=ok("No pages/snippets have been submitted"),
            facilitator=ok(DRAFT_TITLE_A),
        ),
    ),
    "admin/reports/workflow_tasks/": case(
        "/admin/reports/workflow_tasks/",
        admin(
            partner_a=ok(DRAFT_TITLE_A),
            partner_b=ok("ファシリテーター承認"),
            facilitator=ok(DRAFT_TITLE_A),
        ),
    ),
    "admin/reports/workflow_tasks/results/": case(
        "/admin/reports/workflow_tasks/results/",
        admin(
            partner_a=ok(DRAFT_TITLE_A),
            partner_b=ok("No pages/snippets have been submitted"),
            facilitator=ok(DRAFT_TITLE_A),
        ),
    ),
    "admin/reports/site-history/": case(
        "/admin/reports/site-history/",
        admin(
            partner_a=ok(DRAFT_TITLE_A),
            partner_b=ok("Bのプロジェクト"),
            facilitator=ok(DRAFT_TITLE_A),
        ),
    ),
    "admin/reports/site-history/results/": case(
        "/admin/reports/site-history/results/",
        admin(
            partner_a=ok(DRAFT_TITLE_A),
            partner_b=ok("Bのプロジェクト"),
            facilitator=ok(DRAFT_TITLE_A),
        ),
    ),
    "admin/reports/aging-pages/": case(
        "/admin/reports/aging-pages/",
        admin(
            partners=ok("/admin/reports/aging-pages/"),
            facilitator=ok("/admin/reports/aging-pages/"),
        ),
    ),
    "admin/reports/aging-pages/results/": case(
        "/admin/reports/aging-pages/results/",
        admin(
            partners=ok("/admin/reports/aging-pages/"),
            facilitator=ok("/admin/reports/aging-pages/"),
        ),
    ),
    # Names each type's latest edited page by its draft title: facilitators only.
    "admin/reports/page-types-usage/": case(
        "/admin/reports/page-types-usage/",
        admin(partners=FORBIDDEN, facilitator=ok("projectpage")),
    ),
    "admin/reports/page-types-usage/results/": case(
        "/admin/reports/page-types-usage/results/",
        admin(partners=FORBIDDEN, facilitator=ok("projectpage")),
    ),
    # --- the lab's own admin views: facilitators only --------------------------------------------
    "admin/partners/": case("/admin/partners/", facilitators_only(APPLICATION_NOTE)),
    "admin/partners/<int:pk>/decide/": case(
        "/admin/partners/{application}/decide/",
        admin(partners=NOT_ALLOWED, facilitator=NOT_ALLOWED),
        post={"decision": "approve"},
        post_expect=PARTNERS_REFUSED,
    ),
    "admin/chat-reports/": case("/admin/chat-reports/", facilitators_only(ROOM_MESSAGE_A)),
    "admin/chat-reports/<int:report_id>/<str:action>/": case(
        "/admin/chat-reports/{chat_report}/hide/",
        admin(partners=NOT_ALLOWED, facilitator=NOT_ALLOWED),
        post={},
        post_expect=PARTNERS_REFUSED,
    ),
    "admin/matching/": case("/admin/matching/", facilitators_only("団体C")),
    "admin/matching/<int:pk>/<slug:action>/": case(
        "/admin/matching/{proposal}/hide/",
        admin(partners=NOT_ALLOWED, facilitator=NOT_ALLOWED),
        post={},
        post_expect=PARTNERS_REFUSED,
    ),
    "admin/stakeholders/import/": case(
        "/admin/stakeholders/import/", facilitators_only("CSV"), post={}
    ),
    "admin/stakeholders/export/": case(
        "/admin/stakeholders/export/?private=1", facilitators_only(PRIVATE_EMAIL_A)
    ),
    # --- Wagtail's other admin areas ---
    "admin/account/": case(
        "/admin/account/", admin(partners=ok("/admin/account/"), facilitator=ok("/admin/account/"))
    ),
    # Wagtail answers GET with 405, but drops the session cookie all the same (the crawl
    # restores it).
    "admin/logout/": case("/admin/logout/", admin(partners=NOT_ALLOWED, facilitator=NOT_ALLOWED)),
    "admin/dismissibles/": case(
        "/admin/dismissibles/", admin(partners=ok("{{"), facilitator=ok("{{"))
    ),
    "admin/editing-sessions/ping/<str:app_label>/<str:model_name>/<str:object_id>/<int:session_id>/": case(  # noqa: E501
        "/admin/editing-sessions/ping/wagtailcore/page/{a}/{editing_session}/",
        admin(partners=NOT_ALLOWED, facilitator=NOT_ALLOWED),
        post={},
        post_expect={"partner_b": NOT_FOUND},
    ),
    # Releasing someone else's editing session is a no-op (checked: nothing written).
    "admin/editing-sessions/release/<int:session_id>/": case(
        "/admin/editing-sessions/release/{editing_session}/",
        admin(partners=NOT_ALLOWED, facilitator=NOT_ALLOWED),
        post={},
        post_expect={"partner_b": Outcome(200)},
    ),
    "admin/block-preview/": case(
        "/admin/block-preview/", admin(partners=NOT_FOUND, facilitator=NOT_FOUND)
    ),
    "admin/collections/": case("/admin/collections/", admin()),
    "admin/collections/add/": case(
        "/admin/collections/add/", admin(), post={"name": "乗っ取り", "parent": "1"}
    ),
    "admin/collections/<int:pk>/": case(
        "/admin/collections/{collection}/", admin(), post={"name": "乗っ取り"}
    ),
    "admin/collections/<int:pk>/delete/": case(
        "/admin/collections/{collection}/delete/",
        admin(partners=NOT_FOUND, facilitator=NOT_FOUND),
        post={},
    ),
    "admin/collections/<int:collection_id>/privacy/": case(
        "/admin/collections/{collection}/privacy/", admin(), post={"restriction_type": "none"}
    ),
    "admin/forms/": case(
        "/admin/forms/", admin(partners=ok("/admin/forms/"), facilitator=ok("/admin/forms/"))
    ),
    "admin/forms/results/": case(
        "/admin/forms/results/",
        admin(partners=ok("There are no results"), facilitator=ok("There are no results")),
    ),
    "admin/forms/submissions/<int:page_id>/": case(
        "/admin/forms/submissions/{project_a}/", admin(partners=NOT_FOUND, facilitator=NOT_FOUND)
    ),
    "admin/forms/submissions/<int:page_id>/results/": case(
        "/admin/forms/submissions/{project_a}/results/",
        admin(partners=NOT_FOUND, facilitator=NOT_FOUND),
    ),
    "admin/forms/submissions/<int:page_id>/delete/": case(
        "/admin/forms/submissions/{project_a}/delete/", admin(), post={}
    ),
    "admin/redirects/": case("/admin/redirects/", admin()),
    "admin/redirects/results/": case("/admin/redirects/results/", admin()),
    "admin/redirects/add/": case(
        "/admin/redirects/add/",
        admin(),
        post={"old_path": "/hijack", "redirect_link": "https://evil.example/"},
    ),
    "admin/redirects/<int:redirect_id>/": case(
        "/admin/redirects/{redirect}/",
        admin(),
        post={"old_path": "/crawl-old", "redirect_link": "https://evil.example/"},
    ),
    "admin/redirects/<int:redirect_id>/delete/": case(
        "/admin/redirects/{redirect}/delete/", admin(), post={}
    ),
    "admin/redirects/import/": case("/admin/redirects/import/", admin()),
    "admin/redirects/import/process/": case("/admin/redirects/import/process/", admin(), post={}),
    "admin/settings/<slug:app_name>/<slug:model_name>/": case(
        "/admin/settings/openlab/homepage/", admin(partners=NOT_FOUND, facilitator=NOT_FOUND)
    ),  # the site has no settings models
    "admin/settings/<slug:app_name>/<slug:model_name>/<int:pk>/": case(
        "/admin/settings/openlab/homepage/{site}/", admin(partners=NOT_FOUND, facilitator=NOT_FOUND)
    ),
    "admin/settings/<slug:app_name>/<slug:model_name>/<int:pk>/preview/": case(
        "/admin/settings/openlab/homepage/{site}/preview/",
        admin(partners=NOT_FOUND, facilitator=NOT_FOUND),
    ),
    "admin/embeds/chooser/": case(
        "/admin/embeds/chooser/", admin(partners=ok('"html"'), facilitator=ok('"html"'))
    ),
    "admin/embeds/chooser/upload/": case(
        "/admin/embeds/chooser/upload/",
        admin(partners=ok('"html"'), facilitator=ok('"html"')),
        post={"embed-chooser-url": "https://example.jp/"},
    ),
    # --- snippets: the offer/need vocabulary is the facilitators'; anyone in the admin may pick --
    "admin/snippets/": case("/admin/snippets/", facilitators_only("offerneedterm")),
    "admin/snippets/stakeholders/offerneedterm/": case(
        "/admin/snippets/stakeholders/offerneedterm/", facilitators_only("場所の提供")
    ),
    "admin/snippets/stakeholders/offerneedterm/results/": case(
        "/admin/snippets/stakeholders/offerneedterm/results/", facilitators_only("場所の提供")
    ),
    "admin/snippets/stakeholders/offerneedterm/add/": case(
        "/admin/snippets/stakeholders/offerneedterm/add/",
        facilitators_only("offerneedterm"),
        post={"name": "乗っ取り", "kind": "offer"},
    ),
    "admin/snippets/stakeholders/offerneedterm/edit/<int:pk>/": case(
        "/admin/snippets/stakeholders/offerneedterm/edit/{term}/",
        facilitators_only("場所の提供"),
        post={"name": "乗っ取り", "kind": "offer"},
    ),
    "admin/snippets/stakeholders/offerneedterm/delete/<int:pk>/": case(
        "/admin/snippets/stakeholders/offerneedterm/delete/{term}/",
        facilitators_only("場所の提供"),
        post={},
    ),
    "admin/snippets/stakeholders/offerneedterm/usage/<int:pk>/": case(
        "/admin/snippets/stakeholders/offerneedterm/usage/{term}/", facilitators_only("場所の提供")
    ),
    "admin/snippets/stakeholders/offerneedterm/history/<int:pk>/": case(
        "/admin/snippets/stakeholders/offerneedterm/history/{term}/",
        facilitators_only("場所の提供"),
    ),
    "admin/snippets/stakeholders/offerneedterm/history-results/<int:pk>/": case(
        "/admin/snippets/stakeholders/offerneedterm/history-results/{term}/",
        facilitators_only("ログエントリー"),
    ),
    "admin/snippets/stakeholders/offerneedterm/copy/<int:pk>/": case(
        "/admin/snippets/stakeholders/offerneedterm/copy/{term}/", facilitators_only("場所の提供")
    ),
    "admin/snippets/choose/stakeholders/offerneedterm/": case(
        "/admin/snippets/choose/stakeholders/offerneedterm/",
        admin(partners=ok("場所の提供"), facilitator=ok("場所の提供")),
    ),
    "admin/snippets/choose/stakeholders/offerneedterm/results/": case(
        "/admin/snippets/choose/stakeholders/offerneedterm/results/",
        admin(partners=ok("場所の提供"), facilitator=ok("場所の提供")),
    ),
    "admin/snippets/choose/stakeholders/offerneedterm/chosen/<str:pk>/": case(
        "/admin/snippets/choose/stakeholders/offerneedterm/chosen/{term}/",
        admin(partners=ok("場所の提供"), facilitator=ok("場所の提供")),
    ),
    "admin/snippets/choose/stakeholders/offerneedterm/chosen-multiple/": case(
        "/admin/snippets/choose/stakeholders/offerneedterm/chosen-multiple/?id={term}",
        admin(partners=ok("場所の提供"), facilitator=ok("場所の提供")),
    ),
    "admin/snippets/choose/stakeholders/offerneedterm/create/": case(
        "/admin/snippets/choose/stakeholders/offerneedterm/create/",
        facilitators_only('"step"'),
        post={"name": "乗っ取り", "kind": "offer"},
    ),
    # --- documents: nobody manages them in Wagtail (not even facilitators); they are served ---
    "admin/documents/": case("/admin/documents/", admin()),
    "admin/documents/results/": case("/admin/documents/results/", admin()),
    "admin/documents/add/": case("/admin/documents/add/", admin(), post={"title": "乗っ取り"}),
    "admin/documents/edit/<int:document_id>/": case(
        "/admin/documents/edit/{document}/", admin(), post={"title": "乗っ取り", "collection": "1"}
    ),
    "admin/documents/delete/<int:document_id>/": case(
        "/admin/documents/delete/{document}/", admin(), post={}
    ),
    "admin/documents/multiple/add/": case("/admin/documents/multiple/add/", admin(), post={}),
    "admin/documents/multiple/<int:doc_id>/": case(
        "/admin/documents/multiple/{document}/",
        admin(partners=NOT_ALLOWED, facilitator=NOT_ALLOWED),
        post={"doc-{document}-title": "乗っ取り"},
        post_expect={**PARTNERS_REFUSED, "facilitator": ADMIN_REFUSED},
    ),
    "admin/documents/multiple/create_from_uploaded_document/<int:uploaded_file_id>/": case(
        "/admin/documents/multiple/create_from_uploaded_document/{uploaded_image}/",
        admin(partners=NOT_ALLOWED, facilitator=NOT_ALLOWED),
        post={},
        post_expect={"partner_a": NOT_FOUND, "partner_b": NOT_FOUND},
    ),
    "admin/documents/multiple/<int:doc_id>/delete/": case(
        "/admin/documents/multiple/{document}/delete/",
        admin(partners=NOT_ALLOWED, facilitator=NOT_ALLOWED),
        post={},
        post_expect={**PARTNERS_REFUSED, "facilitator": ADMIN_REFUSED},
    ),
    "admin/documents/multiple/delete_upload/<int:uploaded_file_id>/": case(
        "/admin/documents/multiple/delete_upload/{uploaded_image}/",
        admin(partners=NOT_ALLOWED, facilitator=NOT_ALLOWED),
        post={},
        post_expect={"partner_a": NOT_FOUND, "partner_b": NOT_FOUND},
    ),
    "admin/documents/usage/<int:document_id>/": case("/admin/documents/usage/{document}/", admin()),
    "admin/documents/chooser/": case(
        "/admin/documents/chooser/", admin(partners=ok('"html"'), facilitator=ok('"html"'))
    ),
    "admin/documents/chooser/results/": case(
        "/admin/documents/chooser/results/",
        admin(partners=ok("ドキュメント"), facilitator=ok("ドキュメント")),
    ),
    "admin/documents/chooser/chosen/<str:pk>/": case(
        "/admin/documents/chooser/chosen/{document}/", admin()
    ),
    "admin/documents/chooser/chosen-multiple/": case(
        "/admin/documents/chooser/chosen-multiple/?id={document}",
        admin(partners=ok('"result": []'), facilitator=ok('"result": []')),
    ),
    "admin/documents/chooser/create/": case(
        "/admin/documents/chooser/create/",
        admin(),
        post={"document-chooser-upload-title": "乗っ取り"},
    ),
    # --- images: partners upload and choose them; facilitators edit and delete them ---------------
    "admin/images/": case(
        # Partners may add and choose images, not edit them: the library lists none to them.
        "/admin/images/",
        admin(partners=ok("画像を追加"), facilitator=ok("クロール画像")),
    ),
    "admin/images/results/": case(
        "/admin/images/results/",
        admin(partners=ok("画像を追加"), facilitator=ok("クロール画像")),
    ),
    "admin/images/add/": case(
        "/admin/images/add/",
        admin(partners=ok("/admin/images/add/"), facilitator=ok("/admin/images/add/")),
        post={"title": "乗っ取り"},
    ),
    "admin/images/<int:image_id>/": case(
        "/admin/images/{image}/",
        facilitators_only("クロール画像"),
        post={"title": "乗っ取り", "collection": "1"},
    ),
    "admin/images/<int:image_id>/delete/": case(
        "/admin/images/{image}/delete/", facilitators_only("クロール画像"), post={}
    ),
    "admin/images/<int:image_id>/generate_url/": case(
        "/admin/images/{image}/generate_url/", admin(partners=NOT_FOUND, facilitator=NOT_FOUND)
    ),  # dynamic serving is not configured
    "admin/images/<int:image_id>/generate_url/output/": case(
        "/admin/images/{image}/generate_url/output/?filter_method=original",
        admin(partners=NOT_FOUND, facilitator=NOT_FOUND),
    ),
    "admin/images/<int:image_id>/preview/<str:filter_spec>/": case(
        "/admin/images/{image}/preview/original/", facilitators_only("PNG")
    ),
    "admin/images/usage/<int:image_id>/": case(
        "/admin/images/usage/{image}/", facilitators_only("クロール画像")
    ),
    "admin/images/multiple/add/": case(
        "/admin/images/multiple/add/",
        admin(
            partners=ok("/admin/images/multiple/add/"),
            facilitator=ok("/admin/images/multiple/add/"),
        ),
        post={},
    ),
    "admin/images/multiple/<int:image_id>/": case(
        "/admin/images/multiple/{image}/",
        admin(partners=NOT_ALLOWED, facilitator=NOT_ALLOWED),
        post={"image-{image}-title": "乗っ取り"},
        post_expect=PARTNERS_REFUSED,
    ),
    "admin/images/multiple/<int:image_id>/delete/": case(
        "/admin/images/multiple/{image}/delete/",
        admin(partners=NOT_ALLOWED, facilitator=NOT_ALLOWED),
        post={},
        post_expect=PARTNERS_REFUSED,
    ),
    # The facilitator's pending upload is not the partners' to finish or discard.
    "admin/images/multiple/create_from_uploaded_image/<int:uploaded_file_id>/": case(
        "/admin/images/multiple/create_from_uploaded_image/{uploaded_image}/",
        admin(partners=NOT_ALLOWED, facilitator=NOT_ALLOWED),
        post={},
        post_expect={"partner_a": NOT_FOUND, "partner_b": NOT_FOUND},
    ),
    "admin/images/multiple/delete_upload/<int:uploaded_file_id>/": case(
        "/admin/images/multiple/delete_upload/{uploaded_image}/",
        admin(partners=NOT_ALLOWED, facilitator=NOT_ALLOWED),
        post={},
        post_expect={"partner_a": NOT_FOUND, "partner_b": NOT_FOUND},
    ),
    "admin/images/chooser/": case(
        "/admin/images/chooser/", admin(partners=ok("クロール画像"), facilitator=ok("クロール画像"))
    ),
    "admin/images/chooser/results/": case(
        "/admin/images/chooser/results/",
        admin(partners=ok("クロール画像"), facilitator=ok("クロール画像")),
    ),
    "admin/images/chooser/chosen/<str:pk>/": case(
        "/admin/images/chooser/chosen/{image}/",
        admin(partners=ok("クロール画像"), facilitator=ok("クロール画像")),
    ),
    "admin/images/chooser/chosen-multiple/": case(
        "/admin/images/chooser/chosen-multiple/?id={image}",
        admin(partners=ok("クロール画像"), facilitator=ok("クロール画像")),
    ),
    "admin/images/chooser/create/": case(
        "/admin/images/chooser/create/",
        admin(partners=ok('"step"'), facilitator=ok('"step"')),
        post={"image-chooser-upload-title": "乗っ取り"},
    ),
    "admin/images/chooser/<int:image_id>/select_format/": case(
        "/admin/images/chooser/{image}/select_format/",
        admin(partners=ok('"html"'), facilitator=ok('"html"')),
    ),
    # --- sites, users and groups: nobody in the lab manages them in Wagtail ---
    "admin/sites/": case("/admin/sites/", admin()),
    "admin/sites/results/": case("/admin/sites/results/", admin()),
    "admin/sites/new/": case(
        "/admin/sites/new/",
        admin(),
        post={"hostname": "evil.example", "port": "80", "root_page": "{home}"},
    ),
    "admin/sites/edit/<int:pk>/": case(
        "/admin/sites/edit/{site}/",
        admin(),
        post={"hostname": "evil.example", "port": "80", "root_page": "{home}"},
    ),
    "admin/sites/delete/<int:pk>/": case("/admin/sites/delete/{site}/", admin(), post={}),
    "admin/sites/history/<int:pk>/": case("/admin/sites/history/{site}/", admin()),
    "admin/sites/history-results/<int:pk>/": case("/admin/sites/history-results/{site}/", admin()),
    "admin/sites/usage/<int:pk>/": case("/admin/sites/usage/{site}/", admin()),
    "admin/sites/copy/<int:pk>/": case("/admin/sites/copy/{site}/", admin()),
    "admin/users/": case("/admin/users/", admin()),
    "admin/users/results/": case("/admin/users/results/", admin()),
    "admin/users/new/": case(
        "/admin/users/new/",
        admin(),
        post={
            "username": "intruder",
            "email": "intruder@example.jp",
            "password1": "pw-Crawl-12345",
            "password2": "pw-Crawl-12345",
        },
    ),
    "admin/users/edit/<int:pk>/": case(
        "/admin/users/edit/{citizen_user}/",
        admin(),
        post={"username": "citizen", "email": "evil@example.jp", "is_active": "on"},
    ),
    "admin/users/delete/<int:pk>/": case("/admin/users/delete/{citizen_user}/", admin(), post={}),
    "admin/users/history/<int:pk>/": case("/admin/users/history/{citizen_user}/", admin()),
    "admin/users/history-results/<int:pk>/": case(
        "/admin/users/history-results/{citizen_user}/", admin()
    ),
    "admin/users/usage/<int:pk>/": case("/admin/users/usage/{citizen_user}/", admin()),
    "admin/users/copy/<int:pk>/": case("/admin/users/copy/{citizen_user}/", admin()),
    "admin/groups/": case("/admin/groups/", admin()),
    "admin/groups/results/": case("/admin/groups/results/", admin()),
    "admin/groups/new/": case("/admin/groups/new/", admin(), post={"name": "乗っ取り"}),
    "admin/groups/edit/<int:pk>/": case(
        "/admin/groups/edit/{group}/", admin(), post={"name": "乗っ取り"}
    ),
    "admin/groups/delete/<int:pk>/": case("/admin/groups/delete/{group}/", admin(), post={}),
    "admin/groups/history/<int:pk>/": case("/admin/groups/history/{group}/", admin()),
    "admin/groups/history-results/<int:pk>/": case(
        "/admin/groups/history-results/{group}/", admin()
    ),
    "admin/groups/usage/<int:pk>/": case("/admin/groups/usage/{group}/", admin()),
    # --- the admin's public pages ---
    "admin/sprite/": case("/admin/sprite/", each(ok("<svg"))),
    # Both admins' log-in forms are replaced by the site's one (openlab.views.site_login).
    # Signed-in people without access get NO_ADMIN once (not the log-in page again).
    "admin/login/": case(
        "/admin/login/",
        admin(
            partners=redirect("/admin/"),
            facilitator=redirect("/admin/"),
            anonymous=LOGIN,
            citizen=NO_ADMIN,
            ambassador=NO_ADMIN,
        ),
    ),
    # Wagtail's own reset is off (WAGTAIL_PASSWORD_RESET_ENABLED): allauth's is throttled.
    "admin/password_reset/": case(
        "/admin/password_reset/", each(redirect("/accounts/password/reset/"))
    ),
    "admin/password_reset/done/": case("/admin/password_reset/done/", each(NOT_FOUND)),
    "admin/password_reset/confirm/<uidb64>/<token>/": case(
        "/admin/password_reset/confirm/MQ/forged-token/", each(NOT_FOUND)
    ),
    "admin/password_reset/complete/": case("/admin/password_reset/complete/", each(NOT_FOUND)),
    "admin/jsi18n/": case("/admin/jsi18n/", each(ok("gettext"))),
    # --- Django's admin ---
    "django-admin/": case("/django-admin/", each(DJANGO_ADMIN_LOGIN)),
    "django-admin/login/": case("/django-admin/login/", signed_in(NO_ADMIN)),
    "django-admin/logout/": case("/django-admin/logout/", each(redirect("/django-admin/"))),
    "django-admin/password_change/": case(
        "/django-admin/password_change/", each(redirect("/accounts/password/change/"))
    ),
    "django-admin/password_change/done/": case(
        "/django-admin/password_change/done/", each(DJANGO_ADMIN_LOGIN)
    ),
    "django-admin/autocomplete/": case("/django-admin/autocomplete/", each(DJANGO_ADMIN_LOGIN)),
    "django-admin/jsi18n/": case("/django-admin/jsi18n/", each(DJANGO_ADMIN_LOGIN)),
    "django-admin/r/<path:content_type_id>/<path:object_id>/": case(
        "/django-admin/r/1/1/", each(DJANGO_ADMIN_LOGIN)
    ),
    "django-admin/^(?P<app_label>wagtaildocs|wagtailimages|taggit|django_q|account|auth)/$": case(
        "/django-admin/auth/", each(DJANGO_ADMIN_LOGIN)
    ),
    "django-admin/(?P<url>.*)$": case("/django-admin/nothing-here", each(DJANGO_ADMIN_LOGIN)),
    "django-admin/taggit/tag/merge-tags/": case(
        "/django-admin/taggit/tag/merge-tags/", each(DJANGO_ADMIN_LOGIN)
    ),
    "django-admin/auth/user/<id>/password/": case(
        "/django-admin/auth/user/{citizen_user}/password/",
        each(DJANGO_ADMIN_LOGIN),
        post={"password1": "pw-Crawl-12345", "password2": "pw-Crawl-12345"},
    ),
    **{
        f"django-admin/{model}/{route}": case(
            f"/django-admin/{model}/{url}", each(DJANGO_ADMIN_LOGIN), post={}
        )
        for model in DJANGO_ADMIN_MODELS
        for route, url in DJANGO_ADMIN_MODEL_ROUTES.items()
    },
}

# The chat WebSocket: connecting as each role, to A's project room and to B's.
WEBSOCKET_TABLE = {
    "ws/chat/<dbid:room_id>/": {
        "{room_a}": each(False, partner_a=True, facilitator=True),
        "{room_b}": each(False, partner_b=True, facilitator=True),
        "99999999999999999999": each(False),  # too long for an id: no route, closed
    },
    # Any other WebSocket path is closed cleanly (it raised in the server).
    "": {path: each(False) for path in ("ws/chat/abc/", "ws/chat/1e20/", "ws/chat/1", "ws/x/")},
}

# Every route that can sign someone in, change or reset a password, and what it does: all
# of them end at allauth's forms, with its limits (the failure lock-out, mandatory e-mail
# verification, the reset throttle). test_login_routes checks that no route of Django's or
# Wagtail's own forms is missing here or still answers.
ALLAUTH_LOGIN = "allauth's log-in form: failure lock-out, mandatory e-mail verification"
CREDENTIAL_ROUTES = {
    # allauth's own forms, with the limits of ACCOUNT_RATE_LIMITS (base.py and allauth's).
    "accounts/login/": ALLAUTH_LOGIN,
    "accounts/login/code/confirm/": "allauth: log-in by mailed code (not enabled: redirects)",
    "accounts/reauthenticate/": "allauth: asks a signed-in user's password again (limited)",
    "accounts/reauthenticate/code/": "allauth: reauthentication by mailed code (limited)",
    "accounts/reauthenticate/code/confirm/": "allauth: its code's form (limited)",
    "accounts/password/change/": "allauth: password change, old password asked (limited)",
    "accounts/password/set/": "allauth: set a password (redirects when one is set)",
    "accounts/password/reset/": "allauth: reset request, throttled per address and per e-mail",
    "accounts/password/reset/done/": "allauth: 'mail sent' page",
    "accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": (
        "allauth: the mailed reset link's form (limited per address)"
    ),
    "accounts/password/reset/key/done/": "allauth: 'password changed' page",
    # Children sign in with an ID from the facilitator: allauth's adapter authenticates,
    # so failures count against the same login_failed limit.
    "reports/login/": "children's log-in: allauth's adapter, same lock-out",
    # Django's and Wagtail's own forms, replaced by redirects to allauth's (openlab/urls.py).
    "admin/login/": "redirects to allauth's log-in (a signed-in user without access: a page)",
    "django-admin/login/": "redirects to allauth's log-in (signed in, not staff: a page)",
    "_util/login/": "Wagtail's log-in for private pages: redirects to allauth's log-in",
    "admin/password_reset/": "redirects to allauth's reset (Wagtail's reset is switched off)",
    "admin/password_reset/confirm/<uidb64>/<token>/": "404: Wagtail's reset is switched off",
    "django-admin/password_change/": "redirects to allauth's password change",
    "django-admin/auth/user/<id>/password/": "Django admin: staff only (nobody in the lab)",
    # Wagtail's account page has no password panel (WAGTAIL_PASSWORD_MANAGEMENT_ENABLED).
    "admin/account/": "Wagtail's account settings: no password form (allauth's instead)",
}
