"""一表填报 — the one form's steps and the checks of each step.

Each validator takes the raw step data (as the page or the API sent it) and
returns the normalised values, or collects messages per field path
(``people.shareholders.1.id_number``) so the page can show them at the field.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.access.models import Organisation, OrganisationKind
from minsheng.attachments.models import Attachment
from minsheng.core.creditcode import credit_code_check
from minsheng.core.errors import ValidationFailed
from minsheng.identity.idnumbers import id_number_validate, phone_validate
from minsheng.identity.names import person_name_validate
from minsheng.regions.models import Region

from ..models import EnterpriseType, ScopeItem, SealShop

STEP_ORDER = ["type", "people", "address", "scope", "services"]
CONTRIBUTION_FORMS = {
    "cash": "货币",
    "in_kind": "实物",
    "ip": "知识产权",
    "land": "土地使用权",
    "equity": "股权",
    "claims": "债权",
}
MAX_CAPITAL = Decimal("100000000000")  # 1,000 亿元: larger is a typing mistake
MAX_YEARS = {"llc": 5}
SEALS = ["公章", "财务专用章", "发票专用章", "合同专用章", "法定代表人名章"]


class Errors(dict):
    def add(self, path: str, message) -> None:
        self.setdefault(path, []).append(str(message))

    def raise_if_any(self) -> None:
        if self:
            raise ValidationFailed(fields=dict(self))


def _text(value, limit: int = 100) -> str:
    return str(value or "").strip()[:limit]


def _name(value, path: str, errors: Errors, *, required: bool = True) -> str:
    """A person's name by identity's one rule; the message goes to ``path``."""
    try:
        return person_name_validate(value, field=path, required=required)
    except ValidationFailed as exc:
        for m in exc.fields.get(path, [exc.message]):
            errors.add(path, m)
        return str(value or "").strip()


def _names(values, path: str, errors: Errors) -> list[str]:
    return [_name(v, path, errors) for v in (values or []) if str(v or "").strip()]


def _decimal(value) -> Decimal | None:
    try:
        d = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def validate_type(data: dict, errors: Errors) -> dict:
    out = {}
    kind = _text(data.get("enterprise_type"), 20)
    if kind not in EnterpriseType.values:
        errors.add("type.enterprise_type", _("Choose the type of enterprise."))
    out["enterprise_type"] = kind
    capital = _decimal(data.get("registered_capital"))
    if capital is None:
        errors.add("type.registered_capital", _("Enter the registered capital in yuan, as a number."))
    elif capital <= 0:
        errors.add(
            "type.registered_capital",
            _("The registered capital must be more than zero yuan. Enter the capital the shareholders subscribe."),
        )
    elif capital > MAX_CAPITAL:
        errors.add(
            "type.registered_capital",
            _("A registered capital above 100 billion yuan is not plausible. Check the number of digits (the amount is in yuan)."),
        )
    elif capital != capital.quantize(Decimal("0.01")):
        errors.add("type.registered_capital", _("Enter the capital with at most two decimal places."))
    out["registered_capital"] = str(capital) if capital is not None else ""
    form = _text(data.get("contribution_form"), 20)
    if form not in CONTRIBUTION_FORMS:
        errors.add("type.contribution_form", _("Choose how the capital is contributed."))
    out["contribution_form"] = form
    deadline = _date(data.get("paid_in_deadline"))
    today = timezone.localdate()
    if deadline is None:
        errors.add("type.paid_in_deadline", _("Enter the date by which the capital is paid in (YYYY-MM-DD)."))
    elif deadline < today:
        errors.add("type.paid_in_deadline", _("The paid-in deadline cannot lie in the past."))
    elif kind in MAX_YEARS and deadline > _years_later(today, MAX_YEARS[kind]):
        errors.add(
            "type.paid_in_deadline",
            _("Under the Company Law a limited liability company must pay in its capital within five years of its establishment. Choose a date on or before %(date)s.")
            % {"date": _years_later(today, 5).isoformat()},
        )
    elif deadline > _years_later(today, 30):
        errors.add("type.paid_in_deadline", _("The paid-in deadline is too far away. Check the year."))
    out["paid_in_deadline"] = deadline.isoformat() if deadline else ""
    return out


def _person(data: dict, path: str, errors: Errors, *, need_id: bool = True, need_phone=False) -> dict:
    out = {"name": _name(data.get("name"), f"{path}.name", errors)}
    if need_id:
        try:
            parsed = id_number_validate(_text(data.get("id_number"), 30))
            out["id_number"] = parsed.number
        except ValidationFailed as exc:
            for m in exc.fields.get("id_number", [exc.message]):
                errors.add(f"{path}.id_number", m)
            out["id_number"] = ""
    if need_phone or data.get("phone"):
        try:
            out["phone"] = phone_validate(_text(data.get("phone"), 20))
        except ValidationFailed as exc:
            for m in exc.fields.get("phone", [exc.message]):
                errors.add(f"{path}.phone", m)
    return out


def validate_people(data: dict, errors: Errors, *, enterprise_type: str, legacy_codes: list[str]) -> tuple[dict, list[str]]:
    """Returns (clean data, warnings)."""
    warnings: list[str] = []
    out = {"legal_rep": _person(data.get("legal_rep") or {}, "people.legal_rep", errors)}
    shareholders = [s for s in (data.get("shareholders") or []) if any(str(v).strip() for v in (s or {}).values() if v is not None)]
    clean = []
    total = Decimal("0")
    if not shareholders:
        errors.add("people.shareholders", _("Add at least one shareholder or investor."))
    for i, raw in enumerate(shareholders):
        path = f"people.shareholders.{i}"
        kind = raw.get("kind") or "person"
        if kind == "company":
            row = {"kind": "company", "name": _text(raw.get("name"), 120)}
            if len(row["name"]) < 4:
                errors.add(f"{path}.name", _("Enter the company's full registered name."))
            code = _text(raw.get("credit_code"), 30)
            allow = code.upper() in legacy_codes
            try:
                result = credit_code_check(code, allow_legacy=allow, field=f"{path}.credit_code")
                row["credit_code"] = result.value
                if result.warning:
                    warnings.append(f"{row['name']}: {result.warning}")
            except ValidationFailed as exc:
                for path_, msgs in exc.fields.items():
                    for m in msgs:
                        errors.add(path_, m)
                if code:
                    errors.add(
                        f"{path}.credit_code",
                        _("If the code is printed on a valid licence, ask the market regulation bureau to accept it as a legacy code."),
                    )
        else:
            row = {"kind": "person", **_person(raw, path, errors)}
        share = _decimal(raw.get("share_percent"))
        if share is None or share <= 0 or share > 100:
            errors.add(f"{path}.share_percent", _("Enter the share as a percentage above 0 and at most 100."))
        else:
            total += share
            row["share_percent"] = str(share)
        clean.append(row)
    if shareholders and total != Decimal("100") and not any(k.endswith("share_percent") for k in errors):
        errors.add(
            "people.shareholders",
            _("The shares add up to %(total)s%%; they must add up to exactly 100%%.") % {"total": total.normalize()},
        )
    people_count = sum(1 for r in clean if r["kind"] == "person")
    if enterprise_type in ("sole", "individual") and (len(clean) != 1 or people_count != 1):
        errors.add("people.shareholders", _("This type of enterprise has exactly one investor, a natural person."))
    if enterprise_type == "partnership" and len(clean) < 2:
        errors.add("people.shareholders", _("A partnership needs at least two partners."))
    if enterprise_type == "branch" and (len(clean) != 1 or people_count):
        errors.add("people.shareholders", _("A branch belongs to exactly one company: enter the parent company."))
    if enterprise_type == "cooperative" and len(clean) < 5:
        errors.add("people.shareholders", _("A farmers' professional cooperative needs at least five members."))
    out["shareholders"] = clean
    out["directors"] = _names(data.get("directors"), "people.directors", errors)
    out["supervisors"] = _names(data.get("supervisors"), "people.supervisors", errors)
    out["manager"] = _name(data.get("manager"), "people.manager", errors, required=False)
    if enterprise_type in ("llc", "joint_stock"):
        if not out["directors"]:
            errors.add("people.directors", _("Name at least one director (or the executive director)."))
        if not out["supervisors"] and enterprise_type == "joint_stock":
            errors.add("people.supervisors", _("Name the supervisors or the audit committee members."))
        rep = out["legal_rep"]["name"]
        if rep and rep not in out["directors"] and rep != out["manager"]:
            errors.add(
                "people.legal_rep.name",
                _("The legal representative must be a director or the manager who carries out the company's affairs."),
            )
    out["liaison"] = _person(data.get("liaison") or {}, "people.liaison", errors, need_phone=True)
    out["finance"] = _person(data.get("finance") or {}, "people.finance", errors, need_id=False, need_phone=True)
    return out, warnings


def validate_address(data: dict, errors: Errors, *, county, owner) -> dict:
    code = _text(data.get("region_code"), 12)
    region = Region.objects.filter(code=code).first() if code else None
    if region is None or not region.prefix.startswith(county.prefix) or region.pk == county.pk:
        errors.add(
            "address.region_code",
            _("Choose the town or street (under %(county)s) where the premises are.") % {"county": county.name},
        )
    street = _text(data.get("street"), 120)
    if len(street) < 4:
        errors.add("address.street", _("Enter the street, number and room of the premises."))
    proof = data.get("proof_attachment")
    pledge = str(data.get("pledge", "")).lower() in ("1", "true", "on", "yes")
    proof_id = None
    if proof not in (None, "", 0, "0"):
        try:
            proof_id = int(proof)
        except (TypeError, ValueError):
            proof_id = None
        if proof_id is not None and not 0 < proof_id <= 2**63 - 1:  # no row has such an id
            proof_id = None
        if proof_id is None or not Attachment.objects.filter(pk=proof_id, owner=owner).exists():
            errors.add("address.proof_attachment", _("The proof of title could not be found. Upload it again."))
    if not proof_id and not pledge:
        errors.add(
            "address.pledge",
            _("Upload a proof of title or lease, or sign the address self-declaration pledge."),
        )
    return {
        "region_code": code,
        "region_name": region.name if region else "",
        "street": street,
        "proof_attachment": proof_id,
        "pledge": pledge,
    }


def validate_scope(data: dict, errors: Errors) -> dict:
    codes = [str(c) for c in (data.get("items") or []) if str(c).strip()]
    codes = list(dict.fromkeys(codes))
    if not codes:
        errors.add("scope.items", _("Choose at least one business activity from the catalogue."))
    if len(codes) > 40:
        errors.add("scope.items", _("Choose at most 40 business activities."))
    items = {i.code: i for i in ScopeItem.objects.filter(code__in=codes[:40], is_active=True)}
    unknown = [c for c in codes[:40] if c not in items]
    if unknown:
        errors.add("scope.items", _("Some chosen activities are no longer in the catalogue. Choose them again."))
    licensed = [items[c] for c in codes if c in items and items[c].category == "licensed"]
    ack = str(data.get("licence_ack", "")).lower() in ("1", "true", "on", "yes")
    if licensed and not ack:
        errors.add(
            "scope.licence_ack",
            _("Some activities need a licence (%(licences)s). Confirm that you will not carry them on before the licence is granted.")
            % {"licences": "、".join(dict.fromkeys(i.licence_needed for i in licensed))},
        )
    return {
        "items": [c for c in codes if c in items],
        "general": [items[c].wording for c in codes if c in items and items[c].category == "general"],
        "licensed": [items[c].wording for c in codes if c in items and items[c].category == "licensed"],
        "licences": list(dict.fromkeys(i.licence_needed for i in licensed)),
        "licence_ack": ack,
    }


def validate_services(data: dict, errors: Errors, *, county) -> dict:
    def _id(key):
        try:
            return int(data.get(key))
        except (TypeError, ValueError):
            return None

    bank = Organisation.objects.filter(pk=_id("bank"), kind=OrganisationKind.BANK, is_active=True).first()
    if bank is None:
        errors.add("services.bank", _("Choose the bank where the company will open its account."))
    shop = SealShop.objects.filter(pk=_id("seal_shop"), is_active=True).first()
    if shop is None:
        errors.add("services.seal_shop", _("Choose a licensed seal shop; the first set of seals is free."))
    seals = [s for s in (data.get("seals") or SEALS) if s in SEALS]
    recipient = _person(data.get("recipient") or {}, "services.recipient", errors, need_id=False, need_phone=True)
    address = _text(data.get("delivery_address"), 200)
    if len(address) < 6:
        errors.add("services.delivery_address", _("Enter the postal address for the licence and seals."))
    return {
        "bank": bank.pk if bank else None,
        "bank_name": bank.name if bank else "",
        "seal_shop": shop.pk if shop else None,
        "seal_shop_name": shop.name if shop else "",
        "seals": seals,
        "recipient": recipient,
        "delivery_address": address,
    }
