"""The one form (services.draft and services.form): each step's checks, reported at the field,
and what was typed kept."""

import datetime as dt
import json

import pytest

from minsheng.core.errors import NotAllowed, ValidationFailed
from minsheng.programs.enterprise_startup.services import draft, names

from .conftest import PARTNER_ID, full_steps


def start(world):
    return names.name_reserve(applicant=world.founder, region_code="320706", trade_name="云帆", industry="科技", org_form="有限公司", enterprise_type="llc", pledge=True)


def save_error(app, world, step, data):
    with pytest.raises(ValidationFailed) as exc:
        draft.draft_save(application=app, actor=world.founder, step=step, data=data)
    return exc.value.fields


def test_bad_input_is_reported_at_the_field_and_saved_steps_are_kept(world):
    app = start(world)
    steps = full_steps(world)
    draft.draft_save(application=app, actor=world.founder, step="type", data=steps["type"])
    people = dict(steps["people"], shareholders=[
        {"kind": "person", "name": "张伟", "id_number": "320706198503041239", "share_percent": "60"},
        {"kind": "person", "name": "王芳", "id_number": PARTNER_ID, "share_percent": "30"},
    ])
    fields = save_error(app, world, "people", people)
    assert "people.shareholders.0.id_number" in fields
    app.refresh_from_db()
    assert app.steps_done == ["type"]  # the valid step is kept
    assert json.loads(app.data)["raw"]["people"]["shareholders"][1]["share_percent"] == "30"  # typing kept


def test_shares_must_add_up_to_exactly_100(world):
    app = start(world)
    steps = full_steps(world)
    people = dict(steps["people"], shareholders=[dict(s, share_percent="33.33") for s in steps["people"]["shareholders"]])
    fields = save_error(app, world, "people", people)
    assert "66.66" in fields["people.shareholders"][0]


@pytest.mark.parametrize("capital, fragment", [("0", "more than zero"), ("500000000000", "not plausible"), ("abc", "number")])
def test_capital_zero_or_absurd_is_refused(world, capital, fragment):
    app = start(world)
    fields = save_error(app, world, "type", dict(full_steps(world)["type"], registered_capital=capital))
    assert fragment in fields["type.registered_capital"][0]


def test_llc_capital_must_be_paid_within_five_years(world):
    app = start(world)
    late = (dt.date.today() + dt.timedelta(days=365 * 6)).isoformat()
    fields = save_error(app, world, "type", dict(full_steps(world)["type"], paid_in_deadline=late))
    assert "five years" in fields["type.paid_in_deadline"][0]


def test_licensed_scope_needs_acknowledgement(world):
    app = start(world)
    fields = save_error(app, world, "scope", {"items": ["G0001", "L0002"], "licence_ack": False})
    assert "食品经营许可证" in fields["scope.licence_ack"][0]
    draft.draft_save(application=app, actor=world.founder, step="scope", data={"items": ["G0001", "L0002"], "licence_ack": True})


def test_company_shareholder_credit_code_and_legacy_code_accepted_by_staff(world):
    app = start(world)
    steps = full_steps(world)
    legacy = "91350203M0001QAY9B"  # in real use, fails the check character
    people = dict(steps["people"], shareholders=[
        {"kind": "person", "name": "张伟", "id_number": steps["people"]["legal_rep"]["id_number"], "share_percent": "50"},
        {"kind": "company", "name": "厦门某某贸易有限公司", "credit_code": legacy, "share_percent": "50"},
    ])
    fields = save_error(app, world, "people", people)
    assert "people.shareholders.1.credit_code" in fields
    with pytest.raises(NotAllowed):
        draft.legacy_code_accept(application=app, actor=world.founder, credit_code=legacy)
    draft.legacy_code_accept(application=app, actor=world.officers["market_regulation"], credit_code=legacy)
    draft.draft_save(application=app, actor=world.founder, step="people", data=people)
    app.refresh_from_db()
    data = draft.draft_data(app)
    assert "people" in app.steps_done and data["warnings"]["people"]
    good = dict(people["shareholders"][1], credit_code="91320706MA1P3K7L98")
    people["shareholders"][1] = good
    draft.draft_save(application=app, actor=world.founder, step="people", data=people)


@pytest.mark.parametrize(
    ("path", "people_over", "fragment"),
    [
        ("people.legal_rep.name", {"legal_rep": {"name": "张" * 200, "id_number": "x"}}, "200"),
        ("people.liaison.name", {"liaison": {"name": "张\u202e伟", "phone": "13900000001"}}, "invisible"),
        ("people.directors", {"directors": ["<b>张伟</b>"]}, "letters"),
        ("people.manager", {"manager": "张\u200b伟"}, "invisible"),
    ],
)
def test_start_up_names_follow_the_one_name_rule_and_are_never_cut(world, path, people_over, fragment):
    app = start(world)
    steps = full_steps(world)
    fields = save_error(app, world, "people", dict(steps["people"], **people_over))
    assert any(fragment in m for m in fields[path]), fields


def test_start_up_accepts_a_middle_dot_and_a_name_beyond_the_bmp(world):
    app = start(world)
    steps = full_steps(world)
    people = dict(steps["people"], finance={"name": "阿卜杜拉·𠮷", "phone": "13900000002"})
    draft.draft_save(application=app, actor=world.founder, step="people", data=people)
    app.refresh_from_db()
    assert draft.draft_data(app)["people"]["finance"]["name"] == "阿卜杜拉·𠮷"
