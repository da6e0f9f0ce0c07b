"""课后服务 "5+2" — schools' classes, after-school offerings, applications, seats and daily running.

Schools are access.Organisation rows (kind="school"); students and guardians
are identity.Person rows, guardianship is identity.PersonRelation(kind="guardian").
One module per concern; import from here.
"""

from .applications import (  # noqa: F401
    ACTIVE_STATES,
    HOLDING_SEAT,
    LOTTERY_TRANSITIONS,
    Application,
    ApplicationState,
    ApplicationWindow,
    LotteryState,
    LotteryTransition,
    SeatRequest,
    SeatState,
)
from .offerings import (  # noqa: F401
    WEEKDAY_NAMES,
    Activity,
    Allocation,
    FeeBasis,
    FeeWaiverRule,
    Offering,
    OfferingDay,
    OfferingKind,
    Term,
)
from .running import Attendance, AttendanceStatus, PickUp, Session, SessionState  # noqa: F401
from .school import ClassGroup, Enrolment, FamilyCategory, Grade, Teacher  # noqa: F401
