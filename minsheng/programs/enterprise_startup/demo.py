"""Demo start-ups: a few hundred cases in every state, run through the real services.

Cases are submitted at spread-out past instants (time_machine is not used:
the timestamps are shifted afterwards so the zero-visit figures vary).
"""

import datetime as dt
import random

from django.utils import timezone

from minsheng.access.models import Organisation, OrganisationKind, RoleAssignment
from minsheng.cases.models import Case, CaseTask
from minsheng.core.calendar import add_working_hours, working_hours_between
from minsheng.identity.models import Person, User
from minsheng.regions.models import Region

from .models import SealShop, StartupApplication, StepTiming
from .services import departments, draft, names, submission

STEMS = list("云帆星河海韵嘉禾瑞丰恒达鑫源华泰金港蓝湾博远汇通锦程润泽天成万和启航众诚宏图")
INDUSTRIES = ["科技", "贸易", "物流", "餐饮管理", "信息技术", "建材", "电子", "文化传媒", "农业发展", "海洋科技"]
DATA = {
    "public_security": {"filing_number": "GA-DEMO"},
    "tax": {"taxpayer_type": "小规模纳税人"},
    "human_resources": {"social_insurance_number": "SB-DEMO"},
    "medical_insurance": {"medical_insurance_number": "YB-DEMO"},
    "housing_fund": {"housing_fund_account": "GJJ-DEMO"},
    "bank": {"appointment_at": "2026-03-03T10:00"},
    "market_regulation": {},
}


def _officer(org):
    ra = RoleAssignment.objects.filter(organisation=org, role_id="case_officer").select_related("user").first()
    if ra is None:
        ra = RoleAssignment.objects.filter(organisation=org.parent, role_id="case_officer").select_related("user").first() if org.parent_id else None
    if ra is not None:
        return ra.user
    return User.objects.filter(is_superuser=True).first()


def run(ctx) -> dict[str, int]:
    if StartupApplication.objects.exists():
        return {"start-up cases": 0}
    rng: random.Random = ctx.rng
    counties = list(Region.objects.filter(level="county", prefix__startswith="3207", valid_to__isnull=True).order_by("code"))
    for c in counties:
        for i in range(2):
            SealShop.objects.get_or_create(name=f"{c.name}{'诚信' if i == 0 else '公安备案'}刻章店", region=c, defaults={"licence_number": f"GA{c.code}{i}"})
    banks = list(Organisation.objects.filter(kind=OrganisationKind.BANK).order_by("id"))
    founders = list(Person.objects.filter(user__isnull=False, id_number_hash__isnull=False).select_related("user").order_by("id")[:2000])
    # The demo citizen 13900000001 founds the first company, so the printed account has a case
    # to follow (people are written in bulk, so id order alone no longer puts them first).
    from minsheng.identity.crypto import keyed_hash

    founders.sort(key=lambda p: p.phone_hash != keyed_hash("13900000001"))
    if not counties or not banks or not founders:
        return {"start-up cases": 0}
    n = ctx.scaled(300, minimum=12)
    made, now = 0, timezone.now()
    for i in ctx.progress(range(n), total=n, label="start-ups"):
        person = founders[i % len(founders)]
        county = rng.choice(counties)
        towns = list(Region.objects.filter(parent=county).values_list("code", flat=True)[:20])
        shop = SealShop.objects.filter(region=county).first()
        if not towns:
            continue
        trade = "".join(rng.sample(STEMS, 2)) + ("" if rng.random() < 0.6 else rng.choice(STEMS))
        try:
            app = names.name_reserve(applicant=person.user, region_code=county.code, trade_name=trade, industry=rng.choice(INDUSTRIES), org_form="有限公司", enterprise_type="llc", pledge=True)
        except Exception:  # noqa: BLE001 — a clash with an earlier demo name: try the next one
            continue
        steps = {
            "type": {"enterprise_type": "llc", "registered_capital": str(rng.choice([100000, 500000, 1000000, 3000000])), "contribution_form": "cash", "paid_in_deadline": (timezone.localdate() + dt.timedelta(days=700)).isoformat()},
            "people": {
                "legal_rep": {"name": person.name, "id_number": person.id_number},
                "shareholders": [{"kind": "person", "name": person.name, "id_number": person.id_number, "share_percent": "100"}],
                "directors": [person.name], "supervisors": [], "manager": person.name,
                "liaison": {"name": person.name, "id_number": person.id_number, "phone": "13900000001"},
                "finance": {"name": person.name, "phone": "13900000001"},
            },
            "address": {"region_code": rng.choice(towns), "street": f"建设路{rng.randint(1, 300)}号", "pledge": True},
            "scope": {"items": [f"G{rng.randint(1, 280):04d}", f"G{rng.randint(1, 280):04d}"], "licence_ack": True},
            "services": {"bank": rng.choice(banks).pk, "seal_shop": shop.pk, "recipient": {"name": person.name, "phone": "13900000001"}, "delivery_address": f"江苏省连云港市{county.name}建设路{rng.randint(1, 300)}号"},
        }
        stage = rng.random()
        try:
            for step, data in steps.items():
                draft.draft_save(application=app, actor=person.user, step=step, data=data)
            if stage < 0.08:
                made += 1
                continue  # a draft
            submission.confirmations_request(application=app, actor=person.user)
            case = submission.application_submit(application=app, actor=person.user)
        except Exception as exc:  # noqa: BLE001 — demo data must not stop the build; log and go on
            ctx.log(f"skipped a start-up: {exc}")
            continue
        # Move the submission back in time so each case has a realistic history.
        submitted = now - dt.timedelta(days=rng.randint(1, 120), hours=rng.randint(0, 6))
        submitted = add_working_hours(submitted, 0.1).at
        shift = case.submitted_at - submitted
        Case.objects.filter(pk=case.pk).update(submitted_at=submitted, state_entered_at=submitted)
        StartupApplication.objects.filter(pk=app.pk).update(submitted_at=submitted)
        tasks = list(CaseTask.objects.filter(case=case).select_related("organisation"))
        for t in tasks:
            CaseTask.objects.filter(pk=t.pk).update(due_at=t.due_at - shift if t.due_at else None)
        app.refresh_from_db()
        finish = tasks if stage > 0.3 else rng.sample(tasks, rng.randint(0, len(tasks) - 1))
        for t in finish:
            try:
                departments.step_complete(task=t, actor=_officer(t.organisation), data=DATA[t.department_code])
            except Exception as exc:  # noqa: BLE001
                ctx.log(f"step not finished: {exc}")
        # Spread completion times: each step took a few working hours after submission.
        last = submitted
        for t in CaseTask.objects.filter(case=case, completed_at__isnull=False):
            done_at = add_working_hours(submitted, rng.choice([0.3, 0.5, 1, 1.5, 2, 3, 5])).at
            last = max(last, done_at)
            CaseTask.objects.filter(pk=t.pk).update(completed_at=done_at)
            StepTiming.objects.filter(task=t).update(completed_at=done_at, working_hours=working_hours_between(submitted, done_at), breached=bool(t.due_at and done_at > t.due_at - shift))
        if StartupApplication.objects.filter(pk=app.pk, state="completed").exists():
            Case.objects.filter(pk=case.pk).update(closed_at=last)
            StartupApplication.objects.filter(pk=app.pk).update(completed_at=last, elapsed_working_hours=working_hours_between(submitted, last))
        made += 1
    made += _citizen_draft(ctx, founders[0], counties, rng)
    return {"start-up cases": made}


def _citizen_draft(ctx, person, counties, rng) -> int:
    """A second company of the demo citizen, still a draft: the one form's steps and its review
    are then one tap away on the citizen's start-up page."""
    try:
        app = names.name_reserve(
            applicant=person.user, region_code=counties[0].code, trade_name="".join(rng.sample(STEMS, 3)),
            industry=rng.choice(INDUSTRIES), org_form="有限公司", enterprise_type="llc", pledge=True,
        )
        draft.draft_save(application=app, actor=person.user, step="type", data={
            "enterprise_type": "llc", "registered_capital": "500000", "contribution_form": "cash",
            "paid_in_deadline": (timezone.localdate() + dt.timedelta(days=700)).isoformat(),
        })
    except Exception as exc:  # noqa: BLE001 — demo data must not stop the build; log and go on
        ctx.log(f"no draft for the demo citizen: {exc}")
        return 0
    return 1
