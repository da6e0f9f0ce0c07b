"""名称自主申报 checks: structure, banned and restricted words, identical and similar names.

A name is 行政区划 + 字号 + 行业 + 组织形式. The 字号 (trade name) is compared
with the names already reserved or registered in the same division and
industry: the same characters or the same toneless pinyin are refused as
identical or confusingly similar; one character apart (for trade names of
three or more characters) is a warning the founder must weigh before signing
the pledge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from .catalogue import ORG_FORMS

CJK = re.compile(r"^[\u4e00-\u9fff]+$")
LATIN_OR_DIGIT = re.compile(r"[A-Za-z0-9Ａ-Ｚａ-ｚ０-９]")


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
    from .catalogue import FORMS_FOR_TYPE
    from .models import (
        BannedWord,
        BusinessLicence,
        LicenceStatus,
        NameReservation,
        ReservationState,
    )

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
