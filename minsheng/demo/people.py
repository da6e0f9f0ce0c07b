"""The demo city's people: names, valid ID and phone numbers, homes — written through
identity's PeopleWriter (the rows person_create and a citizen's sign-up write, audit
entries included), a batch at a time, so a city of a million and a half people streams."""

import bisect
import itertools
from datetime import date, timedelta

from django.utils import timezone
from faker.providers.person.zh_CN import Provider as ZhNames

from minsheng.core.bulk import Row
from minsheng.identity.crypto import keyed_hash
from minsheng.identity.idnumbers import ParsedIdNumber, check_char
from minsheng.identity.models import Person, Sex, User
from minsheng.identity.services.bulk import PeopleWriter, person_values

from .geography import CITY_CODE, ID_AREA_FOR, clamp

ADULTS = (date(1950, 1, 1), date(2004, 12, 31))
BATCH = 2000
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


def _existing(model, field: str, values: list[str], chunk: int = 5000) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(values), chunk):
        found.update(
            model.objects.filter(**{f"{field}__bulk_in": values[i : i + chunk]}).values_list(field, flat=True)
        )
    return found


class PeopleMixin:
    """DemoContext's people-making half (it provides rng, _shared, _region, _community_pool,
    progress)."""

    def people_writer(self) -> PeopleWriter:
        """The part's writer: every person, account and relation of the part goes through it."""
        if self._writer is None:
            self._writer = PeopleWriter()
        return self._writer

    def flush_people(self) -> None:
        if self._writer is not None:
            self._writer.close()

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

    def _address(self, community) -> str:
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

    def _avoid_existing(self, people: list[dict], *, with_accounts: bool) -> None:
        """Regenerate ID (and account phone) numbers already in the database: parts built by
        earlier runs are not in this process's memory (a build into an empty database skips this)."""
        if self._shared.fresh:
            return
        while True:
            clashes = _existing(Person, "id_number_hash", [p["id_number_hash"] for p in people])
            if with_accounts:
                clashes |= _existing(User, "phone_hash", [p["phone_hash"] for p in people])
            bad = [p for p in people if p["id_number_hash"] in clashes or p["phone_hash"] in clashes]
            if not bad:
                return
            for p in bad:
                number = self.id_number(area=p["id_number"][:6], birth=p["birth_date"], sex=p["sex"])
                p.update(id_number=number, id_number_hash=keyed_hash(number), id_number_tail=number[-4:])
                p["phone"] = self.phone_number()
                p["phone_hash"] = keyed_hash(p["phone"])

    def _write_batch(self, batch: list[dict], with_accounts: bool) -> list[Row]:
        self._avoid_existing(batch, with_accounts=with_accounts)
        writer = self.people_writer()
        out = []
        for values in batch:
            if with_accounts:
                values["user_id"] = writer.account(name=values["name"], phone=values["phone"],
                                                   phone_hash=values["phone_hash"]).pk
            out.append(writer.add_person(values))
        return out

    def iter_people(
        self,
        *,
        count: int,
        regions=None,
        birth_between: tuple[date, date] = ADULTS,
        sex: str | None = None,
        with_accounts: bool = False,
        label: str = "people",
    ):
        """Make ``count`` people living in communities of ``regions`` (default: the city),
        yielding each once it has its key; all are in the database when the loop ends.

        Names, valid ID numbers whose first six digits are a current Lianyungang county
        code, phone numbers, an address in the community and coordinates near it. With
        ``with_accounts`` each gets a citizen account (sign-in by SMS code; no password).
        """
        rng = self.rng
        pool, cum = self._community_pool(regions)
        start, end = birth_between
        span = (end - start).days
        now = timezone.now()
        batch: list[dict] = []
        for _i in self.progress(range(count), total=count, label=label):
            community = pool[bisect.bisect_left(cum, rng.random() * cum[-1])]
            person_sex = sex or (Sex.MALE if rng.random() < 0.5 else Sex.FEMALE)
            birth = start + timedelta(days=rng.randint(0, span))
            area = ID_AREA_FOR.get(community.code[:6], "320706")
            number = self.id_number(area=area, birth=birth, sex=person_sex)
            phone = self.phone_number()
            lat, lon = clamp(
                (community.latitude or 34.6) + rng.gauss(0, 0.004),
                (community.longitude or 119.2) + rng.gauss(0, 0.005),
            )
            batch.append(
                person_values(
                    name=self.person_name(person_sex),
                    id_number=ParsedIdNumber(number=number, region_code=area, birth_date=birth, sex=person_sex),
                    phone=phone,
                    hukou_region_id=area,
                    residence_region_id=community.code,
                    address=self._address(community),
                    latitude=lat,
                    longitude=lon,
                    verified_at=now,
                    verified_by="demo",
                )
            )
            if len(batch) >= BATCH:
                yield from self._write_batch(batch, with_accounts)
                batch = []
        yield from self._write_batch(batch, with_accounts)
        self.flush_people()

    def new_people(self, *, count: int, **options) -> list[Row]:
        """``iter_people`` as a list, for the parts that need them all at hand (a school's pupils)."""
        return list(self.iter_people(count=count, **options))

    def people_objects(self, rows: list[Row]) -> list[Person]:
        """The Person instances (with account and home) of rows made here, in order: for the parts
        that hand them to services."""
        self.flush_people()
        found = Person.objects.select_related("user", "residence_region").in_bulk([r.pk for r in rows])
        return [found[r.pk] for r in rows]
