"""Public read API for the division tree: /api/v1/regions/{code} and /children."""

from datetime import date

from ninja import Router, Schema

from minsheng.core.schemas import ERROR_RESPONSES

from . import selectors

router = Router(tags=["regions"])


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None
    is_statistical: bool
    is_urban: bool
    valid_from: date | None
    valid_to: date | None
    population: int | None
    latitude: float | None
    longitude: float | None

    @staticmethod
    def resolve_parent_code(obj) -> str | None:
        return obj.parent_id


@router.get("/{code}", response={200: RegionOut, **ERROR_RESPONSES}, auth=None)
def region_detail(request, code: str):
    """One region by its full code (abolished codes included, with ``valid_to``)."""
    return selectors.region_get(code=code)


@router.get("/{code}/children", response={200: list[RegionOut], **ERROR_RESPONSES}, auth=None)
def region_children(request, code: str, include_abolished: bool = False):
    """The regions one level below, current ones unless ``include_abolished``."""
    return list(selectors.region_children(code, current_only=not include_abolished))
