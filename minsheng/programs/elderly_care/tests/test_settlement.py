"""Monthly settlement: totals, deductions, the confirm/approve chain, and nothing settled twice."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine

from minsheng.core.errors import Conflict

from ..models import (
    Anomaly,
    DailyRollup,
    OrderStatus,
    SettlementStatement,
    StatementStatus,
    WorkOrder,
)
from ..services.anomalies import anomaly_review
from ..services.settlement import (
    rollup_refresh,
    settlement_run,
    statement_approve,
    statement_confirm,
    statement_pdf,
    statement_xlsx,
)
from . import factories as f

pytestmark = pytest.mark.django_db
MARCH = date(2026, 3, 1)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(f.at(2026, 4, 3, 10), tick=False):
        yield


def visit(
    org,
    elder,
    day,
    *,
    amount,
    status=OrderStatus.VERIFIED,
    service="cleaning",
    month=3,
    confirmed=None,
):
    start = f.at(2026, month, day, 9)
    if confirmed is None and status == OrderStatus.VERIFIED:
        confirmed = start + timedelta(hours=1, minutes=5)
    return WorkOrder.objects.create(
        confirmed_at=confirmed,
        confirmed_by="code" if confirmed else "",
        elder=elder,
        region_id=elder.region_id,
        provider=org,
        service=f.services()[service],
        planned_start=start,
        planned_minutes=60,
        status=status,
        checked_in_at=start,
        checked_out_at=start + timedelta(hours=1),
        minutes_served=60,
        quantity=1,
        unit_price=amount,
        amount=amount,
    )


def test_statement_totals_verified_visits_minus_rejected_and_holds_back_open_reviews():
    org, other = f.provider(), f.provider("连云颐家")
    elder = f.elder()
    for day in (2, 3, 4):
        visit(org, elder, day, amount=Decimal("40"))
    visit(org, elder, 5, amount=Decimal("60"), service="bathing")
    visit(org, elder, 6, amount=Decimal("40"), status=OrderStatus.REJECTED)
    held = visit(org, elder, 7, amount=Decimal("40"))
    Anomaly.objects.create(work_order=held, kind="short")
    visit(org, elder, 8, amount=Decimal("40"), status=OrderStatus.AWAITING)  # never confirmed
    visit(other, elder, 9, amount=Decimal("25"))
    result = settlement_run(month=MARCH)
    assert len(result["statements"]) == 2
    st = SettlementStatement.objects.get(provider=org, month=MARCH)
    assert (st.visits, st.gross, st.deducted_visits, st.deductions, st.net) == (
        5,
        Decimal("220.00"),
        1,
        Decimal("40.00"),
        Decimal("180.00"),
    )
    assert {line["service"] for line in st.lines} == {"home cleaning", "bathing assistance"} or len(
        st.lines
    ) == 2
    held.refresh_from_db()
    assert held.statement_id is None


def test_rerun_of_a_draft_is_idempotent_and_picks_up_visits_cleared_since():
    org = f.provider()
    elder = f.elder()
    visit(org, elder, 2, amount=Decimal("40"))
    held = visit(org, elder, 3, amount=Decimal("40"))
    anomaly = Anomaly.objects.create(work_order=held, kind="short")
    settlement_run(month=MARCH)
    settlement_run(month=MARCH)
    st = SettlementStatement.objects.get()
    assert (st.visits, st.net) == (1, Decimal("40.00"))
    anomaly_review(anomaly=anomaly, actor=f.user("民政"), uphold=False)
    settlement_run(month=MARCH)
    st.refresh_from_db()
    assert (st.visits, st.net) == (2, Decimal("80.00"))
    assert SettlementStatement.objects.count() == 1


def test_a_visit_confirmed_after_the_month_end_goes_on_next_months_statement():
    org = f.provider()
    elder = f.elder()
    visit(org, elder, 30, amount=Decimal("40"))
    late = visit(org, elder, 31, amount=Decimal("40"), confirmed=f.at(2026, 4, 1, 8))
    settlement_run(month=MARCH)
    st = SettlementStatement.objects.get()
    assert (st.visits, st.net) == (1, Decimal("40.00"))
    late.refresh_from_db()
    assert late.statement_id is None
    with time_machine.travel(f.at(2026, 5, 2, 10), tick=False):
        settlement_run(month=MARCH)  # re-running March later does not take it either
        late.refresh_from_db()
        assert late.statement_id is None
        settlement_run(month=date(2026, 4, 1))
    late.refresh_from_db()
    april = late.statement
    assert april.month == date(2026, 4, 1)
    assert [(line["month"], line["visits"]) for line in april.lines] == [("2026-03", 1)]


def test_earlier_months_visit_paid_late_is_carried_to_the_open_statement_not_reopening_a_closed_one():
    org = f.provider()
    elder = f.elder()
    admin, officer = f.user("机构"), f.user("民政")
    held = visit(org, elder, 10, amount=Decimal("40"), month=2)
    anomaly = Anomaly.objects.create(work_order=held, kind="geofence")
    visit(org, elder, 11, amount=Decimal("35"), month=2)
    with time_machine.travel(f.at(2026, 3, 3, 10), tick=False):
        settlement_run(month=date(2026, 2, 1))
    february = SettlementStatement.objects.get(month=date(2026, 2, 1))
    statement_confirm(statement=february, actor=admin)
    statement_approve(statement=february, actor=officer)
    # Cleared in April, after February was paid; a February visit confirmed only in April.
    anomaly_review(anomaly=anomaly, actor=officer, uphold=False)
    confirmed_late = visit(
        org, elder, 20, amount=Decimal("60"), month=2, confirmed=f.at(2026, 4, 2)
    )
    visit(org, elder, 5, amount=Decimal("40"))
    settlement_run(month=MARCH)
    march = SettlementStatement.objects.get(month=MARCH)
    held.refresh_from_db()
    assert held.statement == march  # carried over; February stays as approved
    february.refresh_from_db()
    assert (february.visits, february.net, february.status) == (
        1,
        Decimal("35.00"),
        StatementStatus.APPROVED,
    )
    assert (march.visits, march.net) == (2, Decimal("80.00"))
    assert [(line["month"], line["visits"]) for line in march.lines] == [
        ("2026-03", 1),
        ("2026-02", 1),
    ]
    confirmed_late.refresh_from_db()
    assert confirmed_late.statement_id is None  # verified in April: April's statement


def test_confirmed_statement_is_never_recomputed_and_a_visit_is_never_paid_twice():
    org = f.provider()
    elder = f.elder()
    visit(org, elder, 2, amount=Decimal("40"))
    settlement_run(month=MARCH)
    st = SettlementStatement.objects.get()
    admin, officer = f.user("机构"), f.user("民政")
    statement_confirm(statement=st, actor=admin)
    statement_approve(statement=st, actor=officer)
    late = visit(org, elder, 20, amount=Decimal("40"), confirmed=f.at(2026, 3, 31, 20))
    result = settlement_run(month=MARCH)
    assert result["skipped"] == [org.pk]
    st.refresh_from_db()
    assert (st.visits, st.net, st.status) == (1, Decimal("40.00"), StatementStatus.APPROVED)
    late.refresh_from_db()
    assert late.statement_id is None  # waits for April's statement
    with time_machine.travel(f.at(2026, 5, 2, 10), tick=False):
        settlement_run(month=date(2026, 4, 1))
    late.refresh_from_db()
    assert late.statement.month == date(2026, 4, 1)
    assert WorkOrder.objects.filter(statement__isnull=False).count() == 2


def test_approval_needs_the_providers_confirmation_first():
    org = f.provider()
    visit(org, f.elder(), 2, amount=Decimal("40"))
    settlement_run(month=MARCH)
    st = SettlementStatement.objects.get()
    with pytest.raises(Conflict):
        statement_approve(statement=st, actor=f.user())
    statement_confirm(statement=st, actor=f.user())
    statement_approve(statement=st, actor=f.user())
    with pytest.raises(Conflict):
        statement_approve(statement=st, actor=f.user())


def test_statement_exports_as_xlsx_and_pdf():
    import io

    from openpyxl import load_workbook

    org = f.provider()
    visit(org, f.elder(), 2, amount=Decimal("40"))
    settlement_run(month=MARCH)
    st = SettlementStatement.objects.get()
    wb = load_workbook(io.BytesIO(statement_xlsx(statement=st)))
    values = [c.value for row in wb.active.iter_rows() for c in row]
    assert Decimal("40.00") in values or 40 in values
    assert wb.worksheets[1].max_row == 2
    assert statement_pdf(statement=st).startswith(b"%PDF")


def test_rollup_counts_visits_spend_and_anomalies_by_day_district_and_provider():
    org = f.provider()
    elder = f.elder()
    visit(org, elder, 2, amount=Decimal("40"))
    v = visit(org, elder, 2, amount=Decimal("35"))
    visit(org, elder, 3, amount=Decimal("40"), status=OrderStatus.REJECTED)
    Anomaly.objects.create(work_order=v, kind="short")
    assert rollup_refresh(start=date(2026, 3, 1), end=date(2026, 3, 31)) == 2
    day2 = DailyRollup.objects.get(day=date(2026, 3, 2))
    assert (
        day2.district_id,
        day2.visits,
        day2.verified,
        day2.spend,
        day2.anomalies,
        day2.minutes,
    ) == ("320706", 2, 2, Decimal("75.00"), 1, 120)
