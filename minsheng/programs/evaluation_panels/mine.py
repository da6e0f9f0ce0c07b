"""What 我的 shows of evaluation panels: the person's panel invitations and seats, each with what
to do next (answer, check in at the site and score, or nothing more). One query."""

from django.urls import reverse
from django.utils.translation import gettext as _

from minsheng.core.registry import MineItem, MineSection

from .models import EVALUATION_CLOSED, SeatStatus
from .selectors import seats_of_member

_TONES = {SeatStatus.INVITED: "warning", SeatStatus.ACCEPTED: "success"}
_CLOSED = EVALUATION_CLOSED


def _step(seat) -> tuple[str, bool]:
    ev = seat.evaluation
    if seat.status == SeatStatus.INVITED:
        return _("Say whether you will take part."), True
    if seat.status != SeatStatus.ACCEPTED or ev.status in _CLOSED:
        return _("Nothing more to do."), False
    if seat.has_scored:
        return _("Your scores are in. The grade is published when the panel finishes."), False
    return _("Come to the site at the time shown, scan the QR code to check in, then score."), True


def mine(user) -> list[MineItem]:
    url = reverse("evaluation_panels:my_panels")
    items = []
    for seat in seats_of_member(user=user)[:30]:
        ev = seat.evaluation
        step, action = _step(seat)
        items.append(MineItem(
            section=MineSection.INVITATIONS, title=ev.project.title, detail=ev.place,
            status=seat.get_status_display(), next_step=step, action=action, url=url,
            at=ev.starts_at, tone=_TONES.get(seat.status, "secondary"),
        ))
    return items
