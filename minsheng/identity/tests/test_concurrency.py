"""Two registrations of the same ID number at the same moment: one person, one clear refusal."""

import threading

import pytest
from django.conf import settings
from django.db import connection

from minsheng.core.errors import Conflict
from minsheng.identity import services
from minsheng.identity.models import Person

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="row locks need PostgreSQL; runs in the PostgreSQL CI pass"),
]


@pytest.mark.django_db(transaction=True)
def test_racing_registrations_of_one_number_create_one_person():
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def register(i):
        try:
            barrier.wait()
            services.person_create(name="并发" + "甲乙丙丁"[i], id_number="320706194501011234")
            outcomes.append("created")
        except Conflict:
            outcomes.append("conflict")
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "created"]
    assert Person.objects.count() == 1
