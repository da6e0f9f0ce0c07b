"""The program's tasks as the scheduler sees them (tasks.PERIODIC)."""


def test_offer_expiry_sweep_is_registered_with_the_scheduler():
    from minsheng.core import periodic

    from ..tasks import offers_expire_task

    entry = periodic.registered()["after_school.offers_expire"]
    assert entry.target is offers_expire_task and entry.every_seconds > 0
