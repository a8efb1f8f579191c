import threading
import time

import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError, connection, connections

from events import services
from events.models import Registration, RegistrationStatus
from tests.conftest import require_service
from tests.events.conftest import make_event

THREADS = 100
SEATS = 30


def _connect():
    """Each thread opens its own connection. PostgreSQL's default max_connections
    (100, 3 of them reserved) cannot hold 100 test connections plus the test's own,
    so a thread that finds no free slot waits for one instead of failing."""
    for _attempt in range(1200):
        try:
            connection.ensure_connection()
            return
        except OperationalError:
            connection.close()
            time.sleep(0.05)
    connection.ensure_connection()


@pytest.mark.django_db(transaction=True)
def test_100_simultaneous_registrations_for_30_seats(site_tree):
    if connection.vendor != "postgresql":
        # The row lock (SELECT ... FOR UPDATE) is what is tested; CI runs it on PostgreSQL.
        require_service("PostgreSQL", "the test database is not PostgreSQL (DATABASE_URL)")
    event = make_event(title="定員30名のワークショップ", registration="open", capacity=SEATS)
    occurrence_id = event.occurrences.get().pk
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"p{i}", email=f"p{i}@example.jp") for i in range(THREADS)
    )
    barrier = threading.Barrier(THREADS, timeout=120)
    errors = []

    def register(user):
        try:
            barrier.wait()  # all 100 start together, each on its own new connection
            _connect()
            services.register_user(occurrence_id, user)
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]
    statuses = list(Registration.objects.values_list("status", flat=True))
    assert len(statuses) == THREADS
    assert statuses.count(RegistrationStatus.CONFIRMED) == SEATS
    assert statuses.count(RegistrationStatus.WAITLISTED) == THREADS - SEATS
