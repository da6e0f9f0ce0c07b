"""医保便民服务站 — service halls: points, windows, queue tickets, appointments,
and the 15-minute service circle (coverage over communities)."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minsheng.core.models import TimeStampedModel


class PointLevel(models.TextChoices):
    COUNTY_CENTRE = "county_centre", _("county service centre")
    TOWN_STATION = "town_station", _("town service station")
    VILLAGE_POINT = "village_point", _("village service point")


class ServicePoint(TimeStampedModel):
    """医保服务站/点 — a service hall at one of three government levels.

    Linked one-to-one to an access Organisation (kind service_point) so staff
    scope works the same way as everywhere else.
    """

    organisation = models.OneToOneField(
        "access.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="service_point",
    )
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=20, choices=PointLevel.choices)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="service_points",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.FloatField(_("latitude (WGS-84)"), null=True, blank=True)
    longitude = models.FloatField(_("longitude (WGS-84)"), null=True, blank=True)
    is_active = models.BooleanField(_("in service"), default=True)
    business_types = models.ManyToManyField(
        "BusinessType", verbose_name=_("business handled"), blank=True, related_name="points"
    )
    # One priority ticket (老弱病残孕) is called after every N normal ones; 0 = always first.
    priority_every = models.PositiveSmallIntegerField(
        _("normal calls between priority calls"), default=2
    )

    class Meta:
        verbose_name = _("service point")
        verbose_name_plural = _("service points")
        ordering = ["region_id", "name"]

    def __str__(self) -> str:
        return self.name


class ZoneKind(models.TextChoices):
    GUIDANCE = "guidance", _("guidance and consultation")
    QUEUE_CALLING = "queue_calling", _("queue numbers and calling")
    WAITING = "waiting", _("waiting area")
    BUSINESS = "business", _("business windows")
    SELF_SERVICE = "self_service", _("self-service")
    CONVENIENCE = "convenience", _("convenience services")
    NURSING = "nursing", _("nursing room")
    ONE_ON_ONE = "one_on_one", _("one-on-one help")


class Zone(models.Model):
    point = models.ForeignKey(
        ServicePoint, verbose_name=_("service point"), on_delete=models.CASCADE, related_name="zones"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ZoneKind.choices)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("zone")
        verbose_name_plural = _("zones")
        ordering = ["point_id", "name"]
        constraints = [models.UniqueConstraint(fields=["point", "name"], name="uniq_zone_name")]

    def __str__(self) -> str:
        return self.name


class BusinessType(models.Model):
    """A business handled at windows (参保登记, 异地就医备案 …) with its ticket prefix.

    City-wide. The prefix letter is unique: numbers are counted per (point,
    prefix, day), so two businesses sharing a letter would share one sequence.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("ticket prefix"), max_length=1)
    typical_minutes = models.PositiveSmallIntegerField(_("typical minutes"), default=10)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("business type")
        verbose_name_plural = _("business types")
        ordering = ["order", "prefix"]
        constraints = [models.UniqueConstraint(fields=["prefix"], name="uniq_business_prefix")]

    def __str__(self) -> str:
        return f"{self.prefix} {self.name}"


class Window(models.Model):
    point = models.ForeignKey(
        ServicePoint,
        verbose_name=_("service point"),
        on_delete=models.CASCADE,
        related_name="windows",
    )
    zone = models.ForeignKey(
        Zone, verbose_name=_("zone"), null=True, blank=True, on_delete=models.SET_NULL
    )
    number = models.PositiveSmallIntegerField(_("window number"))
    business_types = models.ManyToManyField(
        BusinessType, verbose_name=_("business served"), related_name="windows"
    )
    # The clerk on duty: only they act on this window.
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("clerk on duty"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_windows",
    )
    is_open = models.BooleanField(_("open"), default=True)
    # The priority policy's counter, kept on the window's own row and updated in
    # the call-next transaction: normal calls since this window last called a
    # priority ticket, valid for ``policy_day`` (another day starts afresh).
    policy_day = models.DateField(null=True, blank=True, editable=False)
    normals_since_priority = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("window")
        verbose_name_plural = _("windows")
        ordering = ["point_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["point", "number"], name="uniq_window_number"),
        ]

    def __str__(self) -> str:
        return f"{self.point} · {self.number}"


class OpeningHours(models.Model):
    point = models.ForeignKey(
        ServicePoint,
        verbose_name=_("service point"),
        on_delete=models.CASCADE,
        related_name="opening_hours",
    )
    weekday = models.PositiveSmallIntegerField(_("weekday (0 = Monday)"))
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["point_id", "weekday", "opens"]

    def __str__(self) -> str:
        return f"{self.weekday_name} {self.opens:%H:%M}-{self.closes:%H:%M}"

    @property
    def weekday_name(self) -> str:
        from django.utils.dates import WEEKDAYS

        return str(WEEKDAYS[self.weekday])


class Closure(models.Model):
    point = models.ForeignKey(
        ServicePoint, verbose_name=_("service point"), on_delete=models.CASCADE, related_name="closures"
    )
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        constraints = [models.UniqueConstraint(fields=["point", "date"], name="uniq_closure")]

    def __str__(self) -> str:
        return f"{self.date} {self.reason}"


class PriorityFlags(TimeStampedModel):
    """Disability and pregnancy recorded for a person, for automatic priority (老弱病残孕)."""

    person = models.OneToOneField(
        "identity.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="service_priority",
    )
    disabled = models.BooleanField(_("disability certificate"), default=False)
    ill = models.BooleanField(_("serious illness"), default=False)
    pregnant_until = models.DateField(_("pregnant until"), null=True, blank=True)

    class Meta:
        verbose_name = _("priority flags")
        verbose_name_plural = _("priority flags")


class TicketCounter(models.Model):
    """The last number handed out for (point, prefix, day): locked while issuing."""

    point = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, related_name="+")
    prefix = models.CharField(max_length=1)
    service_date = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["point", "prefix", "service_date"], name="uniq_ticket_counter"
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix} {self.service_date} {self.last}"


class Channel(models.TextChoices):
    KIOSK = "kiosk", _("kiosk")
    PHONE = "phone", _("phone")
    APPOINTMENT = "appointment", _("appointment")


class PriorityReason(models.TextChoices):
    ELDERLY = "elderly", _("elderly")
    WEAK = "weak", _("frail")
    ILL = "ill", _("ill")
    DISABLED = "disabled", _("disabled")
    PREGNANT = "pregnant", _("pregnant")


class TicketState(models.TextChoices):
    WAITING = "waiting", _("waiting")
    CALLED = "called", _("called")
    SERVING = "serving", _("being served")
    DONE = "done", _("done")
    NO_SHOW = "no_show", _("no-show")
    CANCELLED = "cancelled", _("cancelled")


def _follow_token() -> str:
    return secrets.token_urlsafe(12)


class Ticket(models.Model):
    """A queue ticket (排队号). ``number`` like A001 is unique per point and day.

    A transfer puts the same ticket back in the queue for another business or
    window, keeping its number and its place by issue time.
    """

    # Indexes are few on purpose: a ticket is the hall's hottest insert. The point
    # is the first column of uniq_ticket_number; business types are only deleted
    # when unused (PROTECT's one scan is rare).
    point = models.ForeignKey(
        ServicePoint, verbose_name=_("service point"), on_delete=models.PROTECT, related_name="tickets",
        db_index=False,
    )
    business_type = models.ForeignKey(
        BusinessType, verbose_name=_("business"), on_delete=models.PROTECT, related_name="tickets",
        db_index=False,
    )
    service_date = models.DateField(_("service date"))
    number = models.CharField(pgettext_lazy("service halls", "number"), max_length=8)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    is_priority = models.BooleanField(pgettext_lazy("service halls", "priority"), default=False)
    priority_reason = models.CharField(
        _("priority reason"), max_length=12, choices=PriorityReason.choices, blank=True
    )
    person = models.ForeignKey(
        "identity.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    appointment = models.OneToOneField(
        "Appointment",
        verbose_name=_("appointment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ticket",
    )
    state = models.CharField(
        _("state"), max_length=12, choices=TicketState.choices, default=TicketState.WAITING
    )
    target_window = models.ForeignKey(
        Window,
        verbose_name=_("transferred to window"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    window = models.ForeignKey(
        Window,
        verbose_name=_("window"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        db_index=False,
    )
    issued_at = models.DateTimeField(pgettext_lazy("queue ticket", "issued at"))
    # An appointment's slot start, copied at check-in: the queue calls due
    # appointments first without joining appointments and slots.
    due_at = models.DateTimeField(_("appointment at"), null=True, blank=True)
    called_at = models.DateTimeField(pgettext_lazy("queue ticket", "called at"), null=True, blank=True)
    first_called_at = models.DateTimeField(_("first called at"), null=True, blank=True)
    started_at = models.DateTimeField(_("service started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("service finished at"), null=True, blank=True)
    recall_count = models.PositiveSmallIntegerField(_("recalls"), default=0)
    transfer_count = models.PositiveSmallIntegerField(_("transfers"), default=0)
    token = models.CharField(max_length=24, default=_follow_token, editable=False)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        constraints = [
            models.UniqueConstraint(
                fields=["point", "service_date", "number"], name="uniq_ticket_number"
            ),
            # a constraint, not unique=True: that would add a second (LIKE) index
            models.UniqueConstraint(fields=["token"], name="uniq_ticket_token"),
        ]
        indexes = [
            # The queue: waiting tickets of a point and day in the order they are
            # called (call-next walks it and stops at the first it can lock; a
            # citizen's position counts along it). Partial: only waiting rows.
            models.Index(
                fields=["point", "service_date", "is_priority", "issued_at", "id"],
                condition=models.Q(state="waiting"), name="ticket_waiting_queue",
            ),
            models.Index(
                fields=["point", "service_date", "due_at"],
                condition=models.Q(state="waiting", due_at__isnull=False), name="ticket_waiting_due",
            ),
            # What is at a window now (call-next refuses while a number is there).
            models.Index(fields=["window", "service_date"], condition=models.Q(state__in=["called", "serving"]),
                         name="ticket_at_window"),
            models.Index(fields=["user"], condition=models.Q(user__isnull=False), name="ticket_user"),
            models.Index(fields=["person"], condition=models.Q(person__isnull=False), name="ticket_person"),
            models.Index(fields=["target_window"], condition=models.Q(target_window__isnull=False),
                         name="ticket_target_window"),
        ]

    def __str__(self) -> str:
        return self.number


class EventKind(models.TextChoices):
    ISSUED = "issued", _("issued")
    CALLED = "called", _("called")
    RECALLED = "recalled", _("called again")
    SKIPPED = "skipped", _("no-show")
    TRANSFERRED = "transferred", _("transferred")
    STARTED = "started", _("service started")
    FINISHED = "finished", _("service finished")
    CANCELLED = "cancelled", _("cancelled")


class TicketEvent(models.Model):
    """Everything that happened to a ticket; also the live display's event log
    (its id is the server-sent event id a display catches up from)."""

    # Read by (point, id) — the display's log — and by ticket; the point, window and
    # actor columns get no index of their own (each is one more write per event).
    point = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, related_name="+", db_index=False)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=12, choices=EventKind.choices)
    at = models.DateTimeField(_("at"))
    window = models.ForeignKey(Window, null=True, blank=True, on_delete=models.SET_NULL, db_index=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_index=False,
    )
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        indexes = [models.Index(fields=["point", "id"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class AppointmentSlot(models.Model):
    point = models.ForeignKey(
        ServicePoint, verbose_name=_("service point"), on_delete=models.CASCADE, related_name="slots"
    )
    business_type = models.ForeignKey(
        BusinessType, verbose_name=_("business"), on_delete=models.CASCADE, related_name="+"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveSmallIntegerField(_("capacity"), default=2)
    booked = models.PositiveSmallIntegerField(_("booked"), default=0)

    class Meta:
        verbose_name = _("appointment slot")
        verbose_name_plural = _("appointment slots")
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["point", "starts_at"])]
        constraints = [
            models.UniqueConstraint(fields=["point", "business_type", "starts_at"], name="uniq_slot_start")
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M}"


class AppointmentState(models.TextChoices):
    BOOKED = "booked", _("booked")
    CHECKED_IN = "checked_in", _("checked in")
    CANCELLED = "cancelled", _("cancelled")
    NO_SHOW = "no_show", _("no-show")


class Appointment(TimeStampedModel):
    slot = models.ForeignKey(
        AppointmentSlot, verbose_name=_("slot"), on_delete=models.PROTECT, related_name="appointments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="+"
    )
    person = models.ForeignKey(
        "identity.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(
        _("state"), max_length=12, choices=AppointmentState.choices, default=AppointmentState.BOOKED
    )

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")


# --- the 15-minute service circle -------------------------------------------
class Mode(models.TextChoices):
    WALK = "walk", _("walking")
    BIKE = "bike", _("cycling")
    DRIVE = "drive", _("driving")


class CoverageSettings(models.Model):
    """One row (pk=1): how the 15-minute circle is measured. GB 50180-2018's
    15-minute life circle is ≈800–1000 m on foot; rural areas count by bike or car."""

    urban_mode = models.CharField(_("mode in urban communities"), max_length=8, choices=Mode.choices, default=Mode.WALK)
    rural_mode = models.CharField(_("mode in rural villages"), max_length=8, choices=Mode.choices, default=Mode.BIKE)
    urban_threshold_min = models.PositiveSmallIntegerField(_("urban threshold (minutes)"), default=15)
    rural_threshold_min = models.PositiveSmallIntegerField(_("rural threshold (minutes)"), default=15)
    walk_kmh = models.FloatField(_("walking speed (km/h)"), default=4.5)
    elderly_walk_kmh = models.FloatField(_("elderly walking speed (km/h)"), default=3.0)
    bike_kmh = models.FloatField(_("cycling speed (km/h)"), default=12.0)
    drive_kmh = models.FloatField(_("driving speed (km/h)"), default=30.0)
    detour_factor = models.FloatField(_("detour factor for straight-line estimates"), default=1.3)
    max_snap_m = models.FloatField(_("farthest distance to the road network (m)"), default=1500.0)

    class Meta:
        verbose_name = _("coverage settings")
        verbose_name_plural = _("coverage settings")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> "CoverageSettings":
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class RoadNetwork(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100)
    source = models.CharField(_("source"), max_length=200, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("road network")
        verbose_name_plural = _("road networks")

    def __str__(self) -> str:
        return self.name


class RoadNode(models.Model):
    network = models.ForeignKey(RoadNetwork, on_delete=models.CASCADE, related_name="nodes")
    osm_id = models.BigIntegerField(null=True, blank=True)
    latitude = models.FloatField()
    longitude = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["network", "osm_id"])]

    def __str__(self) -> str:
        return f"{self.latitude:.5f},{self.longitude:.5f}"


class RoadEdge(models.Model):
    network = models.ForeignKey(RoadNetwork, on_delete=models.CASCADE, related_name="edges")
    source = models.ForeignKey(RoadNode, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(RoadNode, on_delete=models.CASCADE, related_name="+")
    length_m = models.FloatField()
    oneway = models.BooleanField(default=False)  # for driving only
    walkable = models.BooleanField(default=True)  # motorways are not

    def __str__(self) -> str:
        return f"{self.source_id}-{self.target_id}"


class CoverageRun(TimeStampedModel):
    """One computation of the 15-minute circle; the latest finished one is current."""

    trigger = models.CharField(_("trigger"), max_length=100, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    network = models.ForeignKey(
        RoadNetwork, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    population = models.PositiveBigIntegerField(_("population"), default=0)
    covered_population = models.PositiveBigIntegerField(_("covered population"), default=0)
    communities = models.PositiveIntegerField(_("communities"), default=0)
    covered_communities = models.PositiveIntegerField(_("covered communities"), default=0)
    seconds = models.FloatField(_("computation seconds"), default=0)
    settings_snapshot = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("coverage run")
        verbose_name_plural = _("coverage runs")

    @property
    def share(self) -> float:
        return self.covered_population / self.population if self.population else 0.0


class Method(models.TextChoices):
    NETWORK = "network", _("road network")
    ESTIMATE = "estimate", _("straight-line estimate")


class CommunityCoverage(models.Model):
    run = models.ForeignKey(CoverageRun, on_delete=models.CASCADE, related_name="rows")
    community = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+")
    population = models.PositiveIntegerField(default=0)
    is_urban = models.BooleanField(default=False)
    mode = models.CharField(max_length=8, choices=Mode.choices)
    method = models.CharField(max_length=10, choices=Method.choices)
    nearest_point = models.ForeignKey(
        ServicePoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    distance_m = models.FloatField(null=True, blank=True)
    minutes = models.FloatField(null=True, blank=True)
    elderly_minutes = models.FloatField(null=True, blank=True)
    threshold_min = models.PositiveSmallIntegerField(default=15)
    covered = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["run", "covered"])]

    def __str__(self) -> str:
        return f"{self.community_id} {self.minutes}"
