import datetime as dt
import re

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from events import services, tasks
from events.models import Registration, RegistrationStatus
from tests.events.conftest import make_event, next_market_date

pytestmark = pytest.mark.django_db


def links(message):
    return re.findall(r"https?://[^\s]+", message.body)


def path_of(url):
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def test_citizen_finds_the_next_market_registers_is_waitlisted_and_promoted(
    client, people, market, mailoutbox
):
    occurrence = next_market_date(market)
    # The calendar for the market's month shows it, linking to its date page.
    html = client.get(f"/events/?view=month&month={occurrence.date:%Y-%m}").content.decode()
    date_url = f"/events/soraichi-higashimurayama/{occurrence.date:%Y-%m-%d}/"
    assert f'href="{date_url}"' in html and "そらいち東村山" in html
    # Two people take the two seats; the citizen is waitlisted.
    first = services.register_user(occurrence.pk, people["citizen2"])
    services.register_user(occurrence.pk, people["partner"])
    client.force_login(people["citizen"])
    page = client.get(date_url).content.decode()
    assert "キャンセル待ちに登録する" in page and "満席" in page
    response = client.post(date_url + "register/", follow=True)
    assert "キャンセル待ちに登録しました" in response.content.decode()
    mine = Registration.objects.get(user=people["citizen"])
    assert mine.status == RegistrationStatus.WAITLISTED
    assert mailoutbox[-1].subject.startswith("【キャンセル待ち】そらいち東村山")
    # Someone cancels from the link in their e-mail: the citizen is promoted and told.
    cancel_mail = next(m for m in mailoutbox if m.to == ["citizen2@example.jp"])
    cancel_url = path_of(next(u for u in links(cancel_mail) if "/cancel/" in u))
    assert "取り消しますか" in client.get(cancel_url).content.decode()
    client.post(cancel_url)
    first.refresh_from_db()
    mine.refresh_from_db()
    assert first.status == RegistrationStatus.CANCELLED
    assert mine.status == RegistrationStatus.CONFIRMED
    promoted = [m for m in mailoutbox if m.to == ["citizen@example.jp"]][-1]
    assert promoted.subject.startswith("【繰り上げ参加確定】そらいち東村山")
    assert "参加が確定しました" in promoted.body
    assert "あなたの申込: 参加確定" in client.get(date_url).content.decode()


def test_visitor_confirms_by_signed_link_and_can_cancel(client, market, mailoutbox):
    occurrence = next_market_date(market)
    url = f"/events/soraichi-higashimurayama/{occurrence.date:%Y-%m-%d}/"
    response = client.post(url + "register/", {"name": "山田 花子", "email": "Hanako@Example.jp"})
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.status == RegistrationStatus.UNCONFIRMED
    assert registration.email == "hanako@example.jp"
    confirm = path_of(next(u for u in links(mailoutbox[-1]) if "/confirm/" in u))
    # Opening the link (as a mail scanner does) only asks; the button confirms.
    assert "申し込みを確定する" in client.get(confirm).content.decode()
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.UNCONFIRMED
    html = client.post(confirm).content.decode()
    assert "参加が確定しました" in html
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED
    # Following the link again changes nothing.
    assert "すでに確認済み" in client.get(confirm).content.decode()
    assert "すでに確認済み" in client.post(confirm).content.decode()
    cancel = path_of(next(u for u in links(mailoutbox[-1]) if "/cancel/" in u))
    assert "お申し込みを取り消しました" in client.post(cancel).content.decode()
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED


def _registration_box(html):
    return html.split('<section id="registration"')[1].split("</section>")[0]


def test_after_registering_a_visitor_sees_what_happened_and_what_comes_next(
    client, market, mailoutbox
):
    occurrence = next_market_date(market)
    url = f"/events/soraichi-higashimurayama/{occurrence.date:%Y-%m-%d}/"
    response = client.post(url + "register/", {"name": "山田 花子", "email": "hanako@example.jp"})
    # Post/Redirect/Get, and nothing personal in the address.
    assert response.status_code == 302
    assert response["Location"] == url + "#registration"
    box = _registration_box(client.get(url).content.decode())
    assert "確認メールを hanako@example.jp に送りました" in box
    assert "メールのリンクを開くと申込が確定します" in box
    assert 'name="email"' not in box  # not the empty form again
    # Someone else (another browser) sees the form, not her address.
    other = _registration_box(Client().get(url).content.decode())
    assert 'name="email"' in other and "hanako@example.jp" not in other
    # Once confirmed through the mail, the same page says so.
    confirm = path_of(next(u for u in links(mailoutbox[-1]) if "/confirm/" in u))
    client.post(confirm)
    box = _registration_box(client.get(url).content.decode())
    assert "あなたの申込: 参加確定" in box and 'name="email"' not in box
    # She can still register someone else.
    assert 'name="email"' in _registration_box(client.get(url + "?another=1").content.decode())


def test_a_visitor_registering_for_a_full_date_is_told_about_the_waitlist(client, people, market):
    occurrence = next_market_date(market)
    services.register_user(occurrence.pk, people["citizen"])
    services.register_user(occurrence.pk, people["citizen2"])
    url = f"/events/soraichi-higashimurayama/{occurrence.date:%Y-%m-%d}/"
    client.post(url + "register/", {"name": "山田 花子", "email": "hanako@example.jp"})
    box = _registration_box(client.get(url).content.decode())
    assert "確認メールを hanako@example.jp に送りました" in box
    assert "確定するとキャンセル待ちになります" in box


def test_visitors_cannot_make_the_site_mail_an_address_without_limit(
    client, market, mailoutbox, settings
):
    from openlab.settings import base

    settings.ACCOUNT_RATE_LIMITS = base.ACCOUNT_RATE_LIMITS  # test settings switch them off
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    per_address = int(base.ACCOUNT_RATE_LIMITS["event_register"].split(",")[1].split("/")[0])
    dates = [o.date for o in market.occurrences.filter(start__gt=timezone.now())[: per_address + 1]]
    assert len(dates) == per_address + 1
    for day in dates:
        url = f"/events/soraichi-higashimurayama/{day:%Y-%m-%d}/register/"
        response = client.post(url, {"name": "標的", "email": "victim@example.jp"}, follow=True)
    assert "しばらくしてからもう一度お試しください" in response.content.decode()
    assert len(mailoutbox) == per_address
    assert Registration.objects.filter(email="victim@example.jp").count() == per_address


def test_visitor_form_errors_are_specific(client, market):
    occurrence = next_market_date(market)
    url = f"/events/soraichi-higashimurayama/{occurrence.date:%Y-%m-%d}/register/"
    response = client.post(url, {"name": "  ", "email": "not-an-email"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "お名前を入力してください" in html
    assert "有効なメールアドレス" in html
    assert not Registration.objects.exists()


def test_tampered_and_expired_links_are_refused_clearly(client, market, mailoutbox, settings):
    occurrence = next_market_date(market)
    registration = services.register_visitor(occurrence.pk, "山田", "y@example.jp")
    token = services.make_token(registration, "confirm")
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = client.get(f"/events/registrations/confirm/{tampered}/")
    assert response.status_code == 400
    assert "このリンクは正しくありません" in response.content.decode()
    # A cancel token cannot confirm, nor the other way round.
    cancel_token = services.make_token(registration, "cancel")
    assert client.get(f"/events/registrations/confirm/{cancel_token}/").status_code == 400
    old = signing.TimestampSigner(salt=services.SIGNING_SALT)
    old.timestamp = lambda: signing.b62_encode(int(timezone.now().timestamp()) - 3 * 86400)
    expired = old.sign(f"confirm:{registration.pk}")
    response = client.get(f"/events/registrations/confirm/{expired}/")
    assert response.status_code == 400
    assert "有効期限が切れています" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.UNCONFIRMED


def test_duplicates_are_refused_politely(client, people, market):
    occurrence = next_market_date(market)
    services.register_user(occurrence.pk, people["citizen"])
    with pytest.raises(services.RegistrationError, match="すでにお申し込み"):
        services.register_user(occurrence.pk, people["citizen"])
    # The same e-mail as a visitor is refused too, whatever its case.
    with pytest.raises(services.RegistrationError, match="すでにお申し込み"):
        services.register_visitor(occurrence.pk, "市民", "CITIZEN@example.jp")
    client.force_login(people["citizen"])
    url = f"/events/soraichi-higashimurayama/{occurrence.date:%Y-%m-%d}/"
    response = client.post(url + "register/", follow=True)
    assert "すでにお申し込みいただいています" in response.content.decode()
    assert Registration.objects.count() == 1
    # Another date of the same market is a separate registration.
    later = market.occurrences.filter(start__gt=occurrence.start).order_by("start").first()
    services.register_user(later.pk, people["citizen"])
    assert Registration.objects.count() == 2


def test_cancelled_past_and_closed_dates_are_refused(people, market, organiser):
    occurrence = next_market_date(market)
    past = market.occurrences.filter(end__lt=timezone.now()).first()
    with pytest.raises(services.RegistrationError, match="終了している"):
        services.register_user(past.pk, people["citizen"])
    market.exceptions.create(date=occurrence.original_date, action="cancel", note="雨天のため中止")
    market.save_revision().publish()
    occurrence.refresh_from_db()
    assert occurrence.cancelled and occurrence.note == "雨天のため中止"
    with pytest.raises(services.RegistrationError, match="中止"):
        services.register_user(occurrence.pk, people["citizen"])
    closed = make_event(title="自由参加の清掃", registration="closed")
    with pytest.raises(services.RegistrationError, match="受け付けていません"):
        services.register_user(closed.occurrences.get().pk, people["citizen"])


def test_approval_mode_waits_for_the_organiser(client, people, organiser, mailoutbox):
    event = make_event(
        title="空き家見学ツアー", registration="approval", capacity=1, organisers=[organiser]
    )
    occurrence = event.occurrences.get()
    one = services.register_user(occurrence.pk, people["citizen"])
    two = services.register_user(occurrence.pk, people["citizen2"])
    assert one.status == two.status == RegistrationStatus.PENDING
    client.force_login(people["partner"])
    url = f"/events/{event.slug}/registrations/"
    html = client.get(url).content.decode()
    assert "市民A" in html and "承認" in html
    client.post(url, {"registration": one.pk, "action": "approve"})
    client.post(url, {"registration": two.pk, "action": "approve"})
    one.refresh_from_db()
    two.refresh_from_db()
    assert one.status == RegistrationStatus.CONFIRMED
    assert two.status == RegistrationStatus.WAITLISTED
    assert mailoutbox[-1].subject.startswith("【キャンセル待ち】")


def test_reminders_go_once_the_day_before(people, organiser, mailoutbox):
    tomorrow = timezone.localtime(timezone.now()) + dt.timedelta(days=1)
    start = tomorrow.replace(hour=23, minute=0, second=0, microsecond=0)
    event = make_event(title="手話で話そう", registration="open", capacity=10,
                       start=start, end=start + dt.timedelta(minutes=50))  # fmt: skip
    week = dt.timedelta(days=7)
    later = make_event(
        title="来週の会", registration="open", start=start + week, end=start + week + week / 168
    )
    services.register_user(event.occurrences.get().pk, people["citizen"])
    services.register_user(later.occurrences.get().pk, people["citizen"])
    mailoutbox.clear()
    assert tasks.send_reminders() == 1
    assert tasks.send_reminders() == 0
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject.startswith("【明日開催】手話で話そう")
    assert Registration.objects.get(occurrence__event=event).reminded_at is not None


def test_schedules_exist_once():
    from django_q.models import Schedule

    tasks.ensure_schedules()
    tasks.ensure_schedules()
    names = set(Schedule.objects.values_list("func", flat=True))
    assert {"events.tasks.send_reminders", "events.tasks.extend_occurrences"} <= names
    assert Schedule.objects.filter(func="events.tasks.send_reminders").count() == 1
