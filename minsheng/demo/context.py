"""DemoContext — what every demo generator gets (the foundation's and each program's).

Program generators code against this API; keep it stable:
``scale, seed, rng, faker, city, log, progress, scaled, new_people,
organisations, communities, towns`` (plus ``department``).
"""

import itertools
import random
import sys
from functools import cached_property

from django.db.models import Q
from faker import Faker

from minsheng.access.models import Organisation
from minsheng.identity.models import Person, User
from minsheng.regions.models import Region, RegionLevel

from .geography import CITY_CODE
from .people import ADULTS, PeopleMixin  # noqa: F401 - ADULTS for generators
from .progress import PartProgress

DEMO_PASSWORD = "demo-2026!"


class _Shared:
    """State shared by the contexts of one demo build (one per part)."""

    def __init__(self) -> None:
        self.id_numbers: set[str] = set()
        self.phones: set[str] = set()
        self.regions: dict[str, Region] = {}
        self.community_pools: dict[tuple, tuple[list[Region], list[int]]] = {}
        # Nobody in the database yet: every number this build hands out is in the sets
        # above, so new people need no look-up against the tables.
        self.fresh = not Person.objects.exists() and not User.objects.filter(phone_hash__isnull=False).exists()


class DemoContext(PeopleMixin):
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
        self.bar = PartProgress(part, stream=self.stream, enabled=show_progress)
        self._writer = None

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
        """Iterate with the part's one progress bar (inner loops leave it to the outer one)."""
        return self.bar.track(iterable, total=total, label=label)

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

