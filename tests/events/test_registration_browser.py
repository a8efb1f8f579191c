"""A visitor finds the next market in the month calendar, registers, confirms by the
e-mailed link (waitlisted: the market is full), and is promoted when someone cancels."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from events import services
from events.models import Registration, RegistrationStatus
from tests.events.conftest import next_market_date

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def link(message, kind):
    url = re.search(rf"https?://\S+/registrations/{kind}/\S+/", message.body).group(0)
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def test_visitor_registers_is_waitlisted_then_promoted(page, live_server, market):
    occurrence = next_market_date(market)
    users = get_user_model().objects
    citizen = users.create_user("citizen", "citizen@example.jp", "pw-openlab-1")
    other = users.create_user("citizen2", "citizen2@example.jp", "pw-openlab-1")
    first = services.register_user(occurrence.pk, citizen)
    services.register_user(occurrence.pk, other)

    page.goto(f"{live_server.url}/events/?view=month&month={occurrence.date:%Y-%m}")
    page.get_by_role("link", name=re.compile("そらいち東村山")).first.click()
    page.wait_for_url(f"**/events/soraichi-higashimurayama/{occurrence.date:%Y-%m-%d}/")
    assert "満席" in page.locator("#registration").inner_text()
    page.get_by_label("お名前").fill("山田 花子")
    page.get_by_label("メールアドレス").fill("hanako@example.jp")
    page.get_by_role("button", name="キャンセル待ちに登録する").click()
    # What happened and what comes next, in place of the form (issue 22, item 7).
    status = page.locator("#registration .registration-status").inner_text()
    assert "確認メールを hanako@example.jp に送りました" in status
    assert "確定するとキャンセル待ちになります" in status
    assert page.get_by_label("メールアドレス").count() == 0

    confirm = next(m for m in mail.outbox if m.to == ["hanako@example.jp"])
    page.goto(live_server.url + link(confirm, "confirm"))
    page.get_by_role("button", name="申し込みを確定する").click()
    assert "キャンセル待ちに登録しました" in page.locator("main").inner_text()
    visitor = Registration.objects.get(email="hanako@example.jp")
    assert visitor.status == RegistrationStatus.WAITLISTED

    # The first person cancels from their e-mail; the visitor moves up.
    cancel_mail = next(m for m in mail.outbox if m.to == ["citizen@example.jp"])
    page.goto(live_server.url + link(cancel_mail, "cancel"))
    page.get_by_role("button", name="取り消す").click()
    assert "お申し込みを取り消しました" in page.locator("main").inner_text()
    first.refresh_from_db()
    visitor.refresh_from_db()
    assert first.status == RegistrationStatus.CANCELLED
    assert visitor.status == RegistrationStatus.CONFIRMED
    promoted = [m for m in mail.outbox if m.to == ["hanako@example.jp"]][-1]
    assert promoted.subject.startswith("【繰り上げ参加確定】")
