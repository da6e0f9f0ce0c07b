"""名称自主申报 checks: structure, banned and restricted words, identical and similar names.

A name is 行政区划 + 字号 + 行业 + 组织形式. The 字号 (trade name) is compared
with the names already reserved or registered in the same division and
industry: the same characters or the same toneless pinyin are refused as
identical or confusingly similar; one character apart (for trade names of
three or more characters) is a warning the founder must weigh before signing
the pledge. ``name_check`` checks as the founder types; ``name_reserve`` reserves the
checked name and opens the one-form draft.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from minsheng.audit.services import audit_record
from minsheng.core.errors import ValidationFailed
from minsheng.regions.models import Region

from ..models import (
    BannedWord,
    BusinessLicence,
    EnterpriseType,
    LicenceStatus,
    NameReservation,
    ReservationState,
    StartupApplication,
)

RESERVATION_DAYS = 30

CJK = re.compile(r"^[\u4e00-\u9fff]+$")
LATIN_OR_DIGIT = re.compile(r"[A-Za-z0-9Ａ-Ｚａ-ｚ０-９]")

ORG_FORMS = [
    "有限公司",
    "有限责任公司",
    "股份有限公司",
    "分公司",
    "厂",
    "店",
    "中心",
    "工作室",
    "经营部",
    "商行",
    "合伙企业",
    "专业合作社",
]

# Which organisational forms each enterprise type may use.
FORMS_FOR_TYPE = {
    "llc": ["有限公司", "有限责任公司"],
    "joint_stock": ["股份有限公司"],
    "sole": ["厂", "店", "中心", "工作室", "经营部", "商行"],
    "partnership": ["合伙企业", "中心", "工作室", "厂", "店"],
    "branch": ["分公司"],
    "cooperative": ["专业合作社"],
    "individual": ["店", "厂", "工作室", "经营部", "商行", "中心"],
}


@dataclass
class NameCheck:
    full_name: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    restricted: list[str] = field(default_factory=list)  # words that need a note
    similar: list[str] = field(default_factory=list)
    pinyin: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, fieldname: str, message: str) -> None:
        self.errors.setdefault(fieldname, []).append(str(message))

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "full_name": self.full_name,
            "errors": self.errors,
            "warnings": self.warnings,
            "restricted": self.restricted,
            "similar": self.similar,
        }


def to_pinyin(text: str) -> str:
    return "".join(lazy_pinyin(text, style=Style.NORMAL))


def edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def region_word(region) -> str:
    """The division as written in a name: 连云港市, 连云港市海州区, 东海县."""
    if region.level == "city":
        return region.name
    if region.name.endswith("区"):
        return f"连云港市{region.name}" if not region.name.startswith("连云港") else region.name
    return region.name


def strip_trade_name(text: str, *, region_words: list[str]) -> str:
    """Normalise a name or trade name for comparison: drop division words and forms."""
    text = (text or "").strip()
    for word in sorted(region_words, key=len, reverse=True):
        text = text.replace(word, "")
    for form in sorted(ORG_FORMS, key=len, reverse=True):
        if text.endswith(form):
            text = text[: -len(form)]
    return text.replace("（", "").replace("）", "").replace("(", "").replace(")", "")


def check_name(
    *,
    region,
    trade_name: str,
    industry: str,
    org_form: str,
    enterprise_type: str = "",
    restricted_note: str = "",
    exclude_reservation_id: int | None = None,
) -> NameCheck:
    result = NameCheck()
    trade_name = (trade_name or "").strip()
    industry = (industry or "").strip()
    org_form = (org_form or "").strip()
    if region is None:
        result.error("region", _("Choose the district or county where the enterprise will be registered."))
        return result
    words = [region_word(region), region.name, "连云港市", "连云港"]
    trade = strip_trade_name(trade_name, region_words=words)
    if trade != trade_name and trade:
        result.warnings.append(
            _("The division or organisational form was removed from the trade name; it is added to the name for you.")
        )
    trade_name = trade
    if not trade_name:
        result.error("trade_name", _("Enter the trade name (字号), at least two Chinese characters."))
    elif LATIN_OR_DIGIT.search(trade_name):
        result.error(
            "trade_name",
            _("The trade name may not contain pinyin, Latin letters or digits. Write it in Chinese characters."),
        )
    elif not CJK.match(trade_name):
        result.error(
            "trade_name",
            _("The trade name may contain Chinese characters only, without spaces or punctuation."),
        )
    elif len(trade_name) < 2:
        result.error("trade_name", _("The trade name must have at least two Chinese characters."))
    elif len(trade_name) > 10:
        result.error("trade_name", _("The trade name may have at most ten Chinese characters."))
    if not industry:
        result.error("industry", _("Enter the industry or business feature, for example 科技 or 贸易."))
    elif not CJK.match(industry) or len(industry) > 12:
        result.error(
            "industry",
            _("The industry must be written in Chinese characters (at most twelve), for example 科技."),
        )
    if org_form not in ORG_FORMS:
        result.error("org_form", _("Choose the organisational form from the list."))
    elif enterprise_type and org_form not in FORMS_FOR_TYPE.get(enterprise_type, ORG_FORMS):
        result.error(
            "org_form",
            _("This organisational form does not fit the enterprise type. Choose one of: %(forms)s.")
            % {"forms": "、".join(FORMS_FOR_TYPE.get(enterprise_type, []))},
        )
    result.full_name = f"{region_word(region)}{trade_name}{industry}{org_form}"
    if result.errors:
        return result
    result.pinyin = to_pinyin(trade_name)
    # Banned and restricted words anywhere in the chosen parts.
    text = trade_name + industry
    for word in BannedWord.objects.filter(is_active=True).only("word", "kind", "reason"):
        if word.word in text:
            if word.kind == "banned":
                result.error(
                    "trade_name",
                    _("“%(word)s” may not be used in an enterprise name. Choose another trade name.")
                    % {"word": word.word},
                )
            else:
                result.restricted.append(word.word)
    if result.restricted and not (restricted_note or "").strip():
        result.error(
            "restricted_note",
            _(
                "“%(words)s” may only be used with approval. Explain in the note which approval you hold, or choose other words."
            )
            % {"words": "、".join(result.restricted)},
        )
    # Identical or similar names in the same division and industry.
    today = timezone.localdate()
    reserved = NameReservation.objects.filter(
        region=region, industry=industry, reserved_until__gte=today
    ).exclude(state=ReservationState.RELEASED)
    if exclude_reservation_id:
        reserved = reserved.exclude(pk=exclude_reservation_id)
    existing = list(reserved.values_list("trade_name", "full_name", "trade_pinyin")[:5000])
    licensed = BusinessLicence.objects.filter(
        application__region=region,
        application__reservation__industry=industry,
        status=LicenceStatus.VALID,
    ).values_list("application__reservation__trade_name", "name", "application__reservation__trade_pinyin")
    existing += list(licensed[:5000])
    for other_trade, other_name, other_pinyin in existing:
        if other_trade == trade_name:
            result.error(
                "trade_name",
                _("“%(name)s” is already registered or reserved in this district for this industry. Choose another trade name.")
                % {"name": other_name},
            )
        elif other_pinyin == result.pinyin:
            result.error(
                "trade_name",
                _("The trade name sounds the same as “%(name)s”, already registered here for this industry, and could be confused with it. Choose another trade name.")
                % {"name": other_name},
            )
        elif len(trade_name) >= 3 and edit_distance(other_trade, trade_name) <= 1:
            result.similar.append(other_name)
    if result.similar:
        result.warnings.append(
            _("Similar names exist: %(names)s. You may go on, but you answer for any confusion under your pledge.")
            % {"names": "、".join(dict.fromkeys(result.similar))}
        )
    return result


def registration_region(region_code: str) -> Region:
    region = Region.objects.filter(code=str(region_code or "").strip()).first()
    if region is None or not region.prefix.startswith("3207") or region.level not in ("city", "county"):
        raise ValidationFailed.for_field(
            "region", _("Choose Lianyungang or one of its districts and counties.")
        )
    return region


def name_check(
    *,
    region_code: str,
    trade_name: str,
    industry: str,
    org_form: str,
    enterprise_type: str = "",
    restricted_note: str = "",
) -> NameCheck:
    """Check a name as typed (no write)."""
    try:
        region = registration_region(region_code)
    except ValidationFailed:
        region = None
    return check_name(
        region=region,
        trade_name=trade_name,
        industry=industry,
        org_form=org_form,
        enterprise_type=enterprise_type,
        restricted_note=restricted_note,
    )


@transaction.atomic
def name_reserve(
    *,
    applicant,
    region_code: str,
    trade_name: str,
    industry: str,
    org_form: str,
    enterprise_type: str,
    pledge: bool,
    restricted_note: str = "",
) -> StartupApplication:
    """Reserve a checked name under the founder's pledge and open the one-form draft."""
    region = registration_region(region_code)
    if enterprise_type not in EnterpriseType.values:
        raise ValidationFailed.for_field("enterprise_type", _("Choose the type of enterprise."))
    # Serialise reservations of the same division so two founders cannot take one name.
    list(Region.objects.select_for_update().filter(pk=region.pk))
    result = check_name(
        region=region,
        trade_name=trade_name,
        industry=industry,
        org_form=org_form,
        enterprise_type=enterprise_type,
        restricted_note=restricted_note,
    )
    if not pledge:
        result.error(
            "pledge",
            _("Read and sign the pledge that the name does not infringe others' rights."),
        )
    if not result.ok:
        raise ValidationFailed(fields=result.errors)
    now = timezone.now()
    trade = result.full_name[len(region_word(region)) : -len(org_form) - len(industry.strip())]
    reservation = NameReservation.objects.create(
        applicant=applicant,
        region=region,
        region_word=region_word(region),
        trade_name=trade,
        trade_pinyin=to_pinyin(trade),
        industry=industry.strip(),
        org_form=org_form,
        full_name=result.full_name,
        restricted_note=(restricted_note or "").strip()[:1000],
        warnings=[str(w) for w in result.warnings],
        pledge_signed_at=now,
        reserved_until=timezone.localdate(now) + dt.timedelta(days=RESERVATION_DAYS),
    )
    application = StartupApplication.objects.create(
        applicant=applicant,
        reservation=reservation,
        region=region,
        enterprise_type=enterprise_type,
        data=json.dumps({"type": {"enterprise_type": enterprise_type}}, ensure_ascii=False),
    )
    audit_record(
        event_type="enterprise_startup.name_reserved",
        actor=applicant,
        target=reservation,
        new={"name": result.full_name, "pledge": True},
    )
    return application
