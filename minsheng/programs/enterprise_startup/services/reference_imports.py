"""The city's lists kept in spreadsheets, loaded through the platform's bulk import.

经营范围规范表述目录, 名称禁限用字词 and 刻章店名录: the market-regulation and public-security bureaus keep them as
spreadsheets; an administrator uploads one at /imports/ (dry run first, errors by row) and
the rows are upserted by their natural key. The import job's own audit entries record who
loaded what; each changed row is also an audit entry, as an edit in /admin/ would be.
"""

from django.utils.translation import gettext_lazy

from minsheng.audit.services import audit_record
from minsheng.core.errors import ValidationFailed
from minsheng.imports.base import Column, Importer, parsers
from minsheng.regions.models import Region

from ..models import BannedWord, ScopeCategory, ScopeItem, SealShop, WordKind

KINDS = {"禁用": WordKind.BANNED, "banned": WordKind.BANNED, "限用": WordKind.RESTRICTED,
         "restricted": WordKind.RESTRICTED}
CATEGORIES = {"一般项目": ScopeCategory.GENERAL, "一般": ScopeCategory.GENERAL, "general": ScopeCategory.GENERAL,
              "许可项目": ScopeCategory.LICENSED, "许可": ScopeCategory.LICENSED, "licensed": ScopeCategory.LICENSED}
ACTIVE = {"是": True, "否": False, "yes": True, "no": False, "": True}


def parse_county(raw) -> Region:
    code = str(raw or "").strip()
    region = Region.objects.filter(code=code, level="county").first()
    if region is None:
        raise ValidationFailed(gettext_lazy("Enter the six-digit code of a county or district, e.g. 320706."))
    return region


def save_banned_words(rows: list[dict], job) -> int:
    for row in rows:
        word, created = BannedWord.objects.update_or_create(
            word=row["word"],
            defaults={"kind": row["kind"], "reason": row.get("reason") or "",
                      "is_active": row.get("is_active") is not False},
        )
        audit_record(event_type=f"imports.enterprise_startup.bannedword.{'add' if created else 'change'}",
                     actor=job.created_by, target=word,
                     new={"kind": word.kind, "reason": word.reason, "is_active": word.is_active})
    return len(rows)


def save_seal_shops(rows: list[dict], job) -> int:
    for row in rows:
        shop, created = SealShop.objects.update_or_create(
            licence_number=row["licence_number"],
            defaults={"name": row["name"], "region": row["region"], "address": row.get("address") or "",
                      "is_active": row.get("is_active") is not False},
        )
        audit_record(event_type=f"imports.enterprise_startup.sealshop.{'add' if created else 'change'}",
                     actor=job.created_by, target=shop,
                     new={"name": shop.name, "region": shop.region_id, "is_active": shop.is_active})
    return len(rows)


def save_scope_items(rows: list[dict], job) -> int:
    for row in rows:
        item, created = ScopeItem.objects.update_or_create(
            code=row["code"],
            defaults={"wording": row["wording"], "category": row["category"], "industry": row.get("industry") or "",
                      "licence_needed": row.get("licence_needed") or "", "is_active": row.get("is_active") is not False},
        )
        audit_record(event_type=f"imports.enterprise_startup.scopeitem.{'add' if created else 'change'}",
                     actor=job.created_by, target=item,
                     new={"wording": item.wording, "category": item.category, "is_active": item.is_active})
    return len(rows)


IMPORTERS = [
    Importer(
        key="enterprise_startup.scope_items",
        title=gettext_lazy("enterprise start-up: business scope catalogue"),
        columns=[
            Column("code", ("编码", "code"), parsers.text(max_length=20)),
            Column("wording", ("规范表述", "standard wording"), parsers.text(max_length=200)),
            Column("category", ("类别", "category"), parsers.choice(CATEGORIES)),
            Column("industry", ("行业", "industry"), parsers.text(max_length=60), required=False),
            Column("licence_needed", ("许可事项", "licence needed"), parsers.text(max_length=200), required=False),
            Column("is_active", ("启用", "active"), parsers.choice(ACTIVE), required=False),
        ],
        natural_key=("code",),
        save_rows=save_scope_items,
        roles=("admin",),
    ),
    Importer(
        key="enterprise_startup.banned_words",
        title=gettext_lazy("enterprise start-up: banned and restricted name words"),
        columns=[
            Column("word", ("字词", "word"), parsers.text(max_length=40)),
            Column("kind", ("类别", "kind"), parsers.choice(KINDS)),
            Column("reason", ("说明", "reason"), parsers.text(max_length=200), required=False),
            Column("is_active", ("启用", "active"), parsers.choice(ACTIVE), required=False),
        ],
        natural_key=("word",),
        save_rows=save_banned_words,
        roles=("admin",),
    ),
    Importer(
        key="enterprise_startup.seal_shops",
        title=gettext_lazy("enterprise start-up: licensed seal shops"),
        columns=[
            Column("name", ("店名", "name"), parsers.text(max_length=200)),
            Column("region", ("所在县区代码", "county code"), parse_county),
            Column("licence_number", ("公安备案号", "filing number"), parsers.text(max_length=40)),
            Column("address", ("地址", "address"), parsers.text(max_length=200), required=False),
            Column("is_active", ("启用", "active"), parsers.choice(ACTIVE), required=False),
        ],
        natural_key=("licence_number",),
        save_rows=save_seal_shops,
        roles=("admin",),
    ),
]
