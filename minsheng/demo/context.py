"""DemoContext — what every demo generator gets (the foundation's and each program's).

Program generators code against this API; keep it stable:
``scale, seed, rng, faker, city, log, progress, scaled, new_people,
organisations, communities, towns`` (plus ``department``).
"""

import bisect
import itertools
import random
import sys
from datetime import date, timedelta
from functools import cached_property

from django.utils import timezone
from faker import Faker
from faker.providers.person.zh_CN import Provider as ZhNames
from tqdm import tqdm

from minsheng.access.models import Organisation
from minsheng.identity.crypto import keyed_hash
from minsheng.identity.idnumbers import check_char
from minsheng.identity.models import Person, Sex, User
from minsheng.regions.models import Region, RegionLevel

from .geography import CITY_CODE, ID_AREA_FOR, clamp

DEMO_PASSWORD = "demo-2026!"
ADULTS = (date(1950, 1, 1), date(2004, 12, 31))
_PHONE_PREFIXES = [
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "166", "173", "177", "180", "181", "182",
    "183", "185", "186", "187", "188", "189", "191", "198", "199",
]  # fmt: skip
_SURNAMES = list(ZhNames.last_names.keys())
_SURNAME_CUM = list(itertools.accumulate(ZhNames.last_names.values()))
_GIVEN = {
    Sex.MALE: ZhNames.first_names_male + list("志国建明华文俊子浩宇博轩泽睿嘉晨阳鹏海峰斌"),
    Sex.FEMALE: ZhNames.first_names_female + list("雨欣梓涵诗怡佳琪思雅晓婷慧敏丽霞玉红淑"),
}


def _existing(model, field: str, values: list[str], chunk: int = 900) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(values), chunk):
        found.update(
            model.objects.filter(**{f"{field}__in": values[i : i + chunk]}).values_list(
                field, flat=True
            )
        )
    return found


class _Shared:
    """State shared by the contexts of one demo build (one per part)."""

    def __init__(self) -> None:
        self.id_numbers: set[str] = set()
        self.phones: set[str] = set()
        self.regions: dict[str, Region] = {}
        self.community_pools: dict[tuple, tuple[list[Region], list[int]]] = {}


class DemoContext:
    def __init__(
        self,
        *,
        scale: float,
        seed: int,
        part: str = "foundation",
        show_progress: bool = True,
        stream=None,
        shared: _Shared | None = None,
    ) -> None:
        self.scale = scale
        self.seed = seed
        self.part = part
        self.show_progress = show_progress
        self.stream = stream or sys.stderr
        self._shared = shared or _Shared()
        # Each part gets its own streams, so adding a program never changes
        # what another part generates for the same seed.
        self.rng = random.Random(f"{seed}:{part}")
        self.faker = Faker("zh_CN")
        self.faker.seed_instance(self.rng.getrandbits(64))

    def for_part(self, part: str) -> "DemoContext":
        return DemoContext(
            scale=self.scale,
            seed=self.seed,
            part=part,
            show_progress=self.show_progress,
            stream=self.stream,
            shared=self._shared,
        )

    # --- basics ---------------------------------------------------------
    @cached_property
    def city(self) -> Region:
        return Region.objects.get(code=CITY_CODE)

    def log(self, msg: str) -> None:
        self.stream.write(f"[{self.part}] {msg}\n")
        self.stream.flush()

    def progress(self, iterable, total: int | None = None, label: str = ""):
        return tqdm(
            iterable,
            total=total,
            desc=f"{self.part} {label}".strip(),
            file=sys.stderr,
            disable=not self.show_progress,
            mininterval=0.5,
            leave=False,
        )

    def scaled(self, n_full: int, minimum: int = 1) -> int:
        """``n_full`` (the figure for all of Lianyungang) at this scale, at least ``minimum``."""
        return max(minimum, round(n_full * self.scale))

    # --- what the foundation built --------------------------------------
    def towns(self) -> list[Region]:
        return list(
            Region.objects.filter(
                level=RegionLevel.TOWN, prefix__startswith="3207", valid_to__isnull=True
            ).order_by("code")
        )

    def communities(self) -> list[Region]:
        return list(
            Region.objects.filter(
                level=RegionLevel.COMMUNITY, prefix__startswith="3207", valid_to__isnull=True
            ).order_by("code")
        )

    def organisations(self, kind: str) -> list[Organisation]:
        return list(
            Organisation.objects.filter(kind=kind, region__prefix__startswith="3207")
            .select_related("region")
            .order_by("id")
        )

    def department(self, department_code: str, region: Region | str | None = None) -> Organisation:
        """The department (``education``…) of a county (code or Region), or the city's."""
        region_code = region.code if isinstance(region, Region) else (region or CITY_CODE)
        return Organisation.objects.get(
            kind="department", department_code=department_code, region_id=region_code
        )

    # --- people ---------------------------------------------------------
    def _region(self, code: str) -> Region:
        cache = self._shared.regions
        if not cache:
            cache.update(
                {
                    r.code: r
                    for r in Region.objects.filter(prefix__startswith="3207").exclude(
                        level=RegionLevel.COMMUNITY
                    )
                }
            )
        return cache[code]

    def _community_pool(self, regions) -> tuple[list[Region], list[int]]:
        key = tuple(sorted(r.code if isinstance(r, Region) else str(r) for r in regions or ()))
        if key not in self._shared.community_pools:
            qs = Region.objects.filter(level=RegionLevel.COMMUNITY, prefix__startswith="3207")
            if key:
                from django.db.models import Q

                q = Q(pk__in=[])
                for code in key:
                    q |= Q(prefix__startswith=self._prefix_of(code))
                qs = qs.filter(q)
            pool = list(qs.order_by("code"))
            if not pool:
                raise ValueError(
                    f"no communities under {key or 'the city'}: build the foundation first"
                )
            cum = list(itertools.accumulate(max(1, c.population or 1) for c in pool))
            self._shared.community_pools[key] = (pool, cum)
        return self._shared.community_pools[key]

    @staticmethod
    def _prefix_of(code: str) -> str:
        return Region.objects.values_list("prefix", flat=True).get(code=code)

    def person_name(self, sex: str) -> str:
        rng = self.rng
        surname = rng.choices(_SURNAMES, cum_weights=_SURNAME_CUM)[0]
        pool = _GIVEN[sex]
        given = rng.choice(pool) if rng.random() < 0.35 else rng.choice(pool) + rng.choice(pool)
        return surname + given

    def id_number(self, *, area: str, birth: date, sex: str) -> str:
        """A valid resident ID number (GB 11643) not handed out before in this build."""
        for _attempt in range(2000):
            seq = self.rng.randrange(500) * 2 + (1 if sex == Sex.MALE else 0)
            first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
            number = first17 + check_char(first17)
            if number not in self._shared.id_numbers:
                self._shared.id_numbers.add(number)
                return number
        raise RuntimeError(f"no free ID number for {area} {birth}")

    def phone_number(self) -> str:
        while True:
            number = self.rng.choice(_PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self._shared.phones:
                self._shared.phones.add(number)
                return number

    def _address(self, community: Region) -> str:
        rng = self.rng
        town = self._region(community.parent_id)
        county = self._region(town.parent_id)
        prefix = f"江苏省连云港市{county.name if county.code != CITY_CODE else ''}{town.name}"
        if community.is_urban:
            return (
                f"{prefix}{community.name}{rng.randint(1, 40)}号楼{rng.randint(1, 6)}单元"
                f"{rng.randint(1, 18)}{rng.randint(1, 4):02d}室"
            )
        return f"{prefix}{community.name}{rng.randint(1, 12)}组{rng.randint(1, 120)}号"

    def _avoid_existing(self, people: list[Person], *, with_accounts: bool) -> None:
        """Regenerate ID (and account phone) numbers already in the database: parts
        built by earlier runs are not in this process's memory."""
        while True:
            clashes = _existing(Person, "id_number_hash", [p.id_number_hash for p in people])
            if with_accounts:
                clashes |= _existing(User, "phone_hash", [p.phone_hash for p in people])
            bad = [p for p in people if p.id_number_hash in clashes or p.phone_hash in clashes]
            if not bad:
                return
            for p in bad:
                number = self.id_number(area=p.id_number[:6], birth=p.birth_date, sex=p.sex)
                p.id_number, p.id_number_hash, p.id_number_tail = (
                    number,
                    keyed_hash(number),
                    number[-4:],
                )
                p.phone = self.phone_number()
                p.phone_hash = keyed_hash(p.phone)

    def new_people(
        self,
        *,
        count: int,
        regions=None,
        birth_between: tuple[date, date] = ADULTS,
        sex: str | None = None,
        with_accounts: bool = False,
        batch_size: int = 2000,
    ) -> list[Person]:
        """Create ``count`` people living in communities of ``regions`` (default: the city).

        Names, valid ID numbers whose first six digits are a current
        Lianyungang county code, phone numbers, an address in the community and
        coordinates near it. With ``with_accounts`` each gets a citizen account
        (sign-in by SMS code; no password).
        """
        rng = self.rng
        pool, cum = self._community_pool(regions)
        start, end = birth_between
        span = (end - start).days
        now = timezone.now()
        people: list[Person] = []
        for _i in self.progress(range(count), total=count, label="people"):
            community = pool[bisect.bisect_left(cum, rng.random() * cum[-1])]
            person_sex = sex or (Sex.MALE if rng.random() < 0.5 else Sex.FEMALE)
            birth = start + timedelta(days=rng.randint(0, span))
            county_code = community.code[:6]
            number = self.id_number(
                area=ID_AREA_FOR.get(county_code, "320706"), birth=birth, sex=person_sex
            )
            phone = self.phone_number()
            lat, lon = clamp(
                (community.latitude or 34.6) + rng.gauss(0, 0.004),
                (community.longitude or 119.2) + rng.gauss(0, 0.005),
            )
            people.append(
                Person(
                    name=self.person_name(person_sex),
                    id_number=number,
                    id_number_hash=keyed_hash(number),
                    id_number_tail=number[-4:],
                    phone=phone,
                    phone_hash=keyed_hash(phone),
                    birth_date=birth,
                    sex=person_sex,
                    hukou_region_id=ID_AREA_FOR.get(county_code, "320706"),
                    residence_region=community,
                    address=self._address(community),
                    latitude=lat,
                    longitude=lon,
                    verified_at=now,
                    verified_by="demo",
                )
            )
        self._avoid_existing(people, with_accounts=with_accounts)
        if with_accounts:
            users = [
                User(name=p.name, phone=p.phone, phone_hash=p.phone_hash, password="!demo")
                for p in people
            ]
            User.objects.bulk_create(users, batch_size=batch_size)
            for person, user in zip(people, users, strict=True):
                person.user = user
        Person.objects.bulk_create(people, batch_size=batch_size)
        return people
