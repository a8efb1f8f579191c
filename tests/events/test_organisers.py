import csv
import io

import pytest

from events import services
from tests.events.conftest import next_market_date

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered(people, market):
    occurrence = next_market_date(market)
    services.register_user(occurrence.pk, people["citizen"])
    services.register_visitor(occurrence.pk, "=HYPERLINK(1)", "visitor@example.jp")
    return occurrence


@pytest.mark.parametrize("who", [None, "citizen", "other_partner"])
def test_only_organisers_and_facilitators_see_registrations(client, people, registered, who):
    if who:
        client.force_login(people[who])
    for path in ["/events/soraichi-higashimurayama/registrations/",
                 "/events/soraichi-higashimurayama/registrations.csv"]:  # fmt: skip
        response = client.get(path)
        assert response.status_code == 403
        assert "citizen@example.jp" not in response.content.decode()


@pytest.mark.parametrize("who", ["partner", "facilitator"])
def test_organiser_sees_list_and_exports_csv_with_bom(client, people, registered, who):
    client.force_login(people[who])
    html = client.get("/events/soraichi-higashimurayama/registrations/").content.decode()
    assert "市民A" in html and "citizen@example.jp" in html and "参加確定" in html
    response = client.get("/events/soraichi-higashimurayama/registrations.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["開催日", "状態", "お名前", "メールアドレス"]
    body = {row[3]: row for row in rows[1:]}
    assert body["citizen@example.jp"][1] == "参加確定"
    assert body["citizen@example.jp"][0] == registered.date.isoformat()
    assert body["visitor@example.jp"][2] == "'=HYPERLINK(1)"  # no formula injection


def test_event_page_links_organisers_to_the_list(client, people, market):
    client.force_login(people["partner"])
    assert "申込者を見る" in client.get(market.url).content.decode()
    client.force_login(people["other_partner"])
    assert "申込者を見る" not in client.get(market.url).content.decode()
