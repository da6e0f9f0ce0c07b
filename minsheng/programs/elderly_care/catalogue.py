"""Fixed lists from the national standards and notices, in one place (pure, no database).

- elder categories (国家基本养老服务清单 and local practice);
- the service catalogue (助餐 … 康复护理) with units;
- the 适老化改造 recommended list (民发〔2020〕86号: 7 categories, basic/optional);
- the GB/T 42195-2022 老年人能力评估 form: 26 items in 4 domains, levels, reasons.

Kept at the top of the program rather than under services/: these are declarations the
models' choices, the services, the pages and the demo all read, with no behaviour of
their own (the scoring lives in services/assessment.py).
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class ElderCategory(models.TextChoices):
    ADVANCED_AGE = "advanced_age", _("advanced age (80+)")
    EXTREME_POVERTY = "extreme_poverty", _("extreme poverty support (te kun)")
    MINIMUM_LIVING = "minimum_living", _("minimum living allowance (di bao)")
    NEAR_POVERTY = "near_poverty", _("near minimum living allowance")
    DISABLED = "disabled", _("disabled (loss of ability)")
    SEMI_DISABLED = "semi_disabled", _("semi-disabled")
    LIVING_ALONE = "living_alone", _("living alone")
    EMPTY_NEST = "empty_nest", _("empty nest")
    FAMILY_PLANNING = "family_planning", _("special family-planning family")
    ENTITLED_GROUP = "entitled_group", _("key entitled group (you fu)")
    SEVERE_DISABILITY = "severe_disability", _("severe disability")


class Unit(models.TextChoices):
    HOUR = "hour", _("hour")
    TIME = "time", _("visit")
    MEAL = "meal", _("meal")


# code, title, unit, default price (yuan), default minutes, checklist
SERVICE_ITEMS = [
    (
        "meal",
        _("meal assistance"),
        Unit.MEAL,
        "12.00",
        20,
        [_("deliver the meal"), _("check the meal is eaten warm"), _("clear up")],
    ),
    (
        "cleaning",
        _("home cleaning"),
        Unit.HOUR,
        "35.00",
        60,
        [_("sweep and mop floors"), _("clean kitchen"), _("clean toilet"), _("take out rubbish")],
    ),
    (
        "bathing",
        _("bathing assistance"),
        Unit.TIME,
        "60.00",
        60,
        [_("check water temperature"), _("help with bathing"), _("dry and dress"), _("check skin")],
    ),
    (
        "medical",
        _("medical assistance"),
        Unit.TIME,
        "40.00",
        90,
        [_("escort to clinic"), _("collect medicine"), _("explain medication")],
    ),
    (
        "mobility",
        _("walking assistance"),
        Unit.HOUR,
        "30.00",
        60,
        [_("help getting up"), _("accompany a walk"), _("check walking aids")],
    ),
    (
        "errands",
        _("errands"),
        Unit.TIME,
        "25.00",
        45,
        [_("shopping"), _("pay bills"), _("hand over receipts")],
    ),
    (
        "companionship",
        _("companionship"),
        Unit.HOUR,
        "30.00",
        60,
        [_("chat and read"), _("check mood"), _("note any needs")],
    ),
    (
        "nursing",
        _("rehabilitation and nursing care"),
        Unit.HOUR,
        "50.00",
        60,
        [_("measure blood pressure"), _("rehabilitation exercises"), _("record health notes")],
    ),
]
SERVICE_CODES = [code for code, *_rest in SERVICE_ITEMS]


class RetrofitCategory(models.TextChoices):
    FLOOR = "floor", _("floors")
    DOOR = "door", _("doors")
    BEDROOM = "bedroom", _("bedroom")
    BATH = "bath", _("toilet and bathing")
    KITCHEN = "kitchen", _("kitchen")
    ENVIRONMENT = "environment", _("physical environment")
    AIDS = "aids", _("aids for the elderly")


BASIC, OPTIONAL = "basic", "optional"
# code -> (category, title, basic/optional); 民发〔2020〕86号 recommended list.
RETROFIT_ITEMS = {
    "floor_antislip": (RetrofitCategory.FLOOR, _("anti-slip floor"), BASIC),
    "floor_level": (RetrofitCategory.FLOOR, _("level differences removed"), OPTIONAL),
    "floor_harden": (RetrofitCategory.FLOOR, _("floor levelled and hardened"), OPTIONAL),
    "door_threshold": (RetrofitCategory.DOOR, _("threshold removed"), OPTIONAL),
    "door_smooth": (RetrofitCategory.DOOR, _("smooth door"), OPTIONAL),
    "door_widen": (RetrofitCategory.DOOR, _("door widened"), OPTIONAL),
    "door_lever": (RetrofitCategory.DOOR, _("lever door handle"), OPTIONAL),
    "door_video": (RetrofitCategory.DOOR, _("video door bell"), OPTIONAL),
    "bed_nursing": (RetrofitCategory.BEDROOM, _("nursing bed"), OPTIONAL),
    "bed_rail": (RetrofitCategory.BEDROOM, _("bedside rail or grab bar"), BASIC),
    "bed_mattress": (RetrofitCategory.BEDROOM, _("anti-bedsore mattress"), OPTIONAL),
    "bath_grab": (RetrofitCategory.BATH, _("grab bars"), BASIC),
    "bath_toilet": (RetrofitCategory.BATH, _("squat toilet changed to seat"), BASIC),
    "bath_tap": (RetrofitCategory.BATH, _("easy taps"), OPTIONAL),
    "bath_shower": (RetrofitCategory.BATH, _("shower conversion"), OPTIONAL),
    "bath_chair": (RetrofitCategory.BATH, _("shower chair"), BASIC),
    "bath_commode": (RetrofitCategory.BATH, _("commode chair"), OPTIONAL),
    "kitchen_counter": (RetrofitCategory.KITCHEN, _("lowered counter"), OPTIONAL),
    "kitchen_cabinet": (RetrofitCategory.KITCHEN, _("mid-height cabinet"), OPTIONAL),
    "env_light": (RetrofitCategory.ENVIRONMENT, _("motion-sensor lights"), BASIC),
    "env_switch": (RetrofitCategory.ENVIRONMENT, _("sockets and switches"), OPTIONAL),
    "env_bumper": (RetrofitCategory.ENVIRONMENT, _("corner bumpers"), OPTIONAL),
    "env_furniture": (RetrofitCategory.ENVIRONMENT, _("age-friendly furniture"), OPTIONAL),
    "aid_cane": (RetrofitCategory.AIDS, _("walking stick"), BASIC),
    "aid_walker": (RetrofitCategory.AIDS, _("wheelchair or walker"), OPTIONAL),
    "aid_magnifier": (RetrofitCategory.AIDS, _("magnifier"), OPTIONAL),
    "aid_hearing": (RetrofitCategory.AIDS, _("hearing aid"), OPTIONAL),
    "aid_tableware": (RetrofitCategory.AIDS, _("self-help tableware"), OPTIONAL),
    "aid_tracker": (RetrofitCategory.AIDS, _("anti-wandering tracker"), OPTIONAL),
    "aid_alarm": (RetrofitCategory.AIDS, _("safety monitoring and emergency call"), BASIC),
}
RETROFIT_ITEM_CHOICES = [(code, title) for code, (_c, title, _k) in RETROFIT_ITEMS.items()]


# --- GB/T 42195-2022 ability assessment form -------------------------------------------


@dataclass(frozen=True)
class AssessmentItem:
    """One second-level item of the form; ``maximum`` is its highest score."""

    code: str
    domain: str
    title: object
    maximum: int


SELF_CARE, MOTOR, MENTAL, PERCEPTION = "self_care", "motor", "mental", "perception"
ASSESSMENT_DOMAINS = {
    SELF_CARE: _("self-care ability"),
    MOTOR: _("basic motor ability"),
    MENTAL: _("mental state"),
    PERCEPTION: _("perception and social participation"),
}

ASSESSMENT_ITEMS: list[AssessmentItem] = [
    AssessmentItem("eating", SELF_CARE, _("eating"), 4),
    AssessmentItem("grooming", SELF_CARE, _("grooming"), 4),
    AssessmentItem("bathing", SELF_CARE, _("bathing"), 4),
    AssessmentItem("dressing_upper", SELF_CARE, _("putting on and taking off tops"), 4),
    AssessmentItem(
        "dressing_lower", SELF_CARE, _("putting on and taking off trousers, shoes and socks"), 4
    ),
    AssessmentItem("urine_control", SELF_CARE, _("urine control"), 4),
    AssessmentItem("bowel_control", SELF_CARE, _("bowel control"), 4),
    AssessmentItem("toileting", SELF_CARE, _("using the toilet"), 4),
    AssessmentItem("bed_position", MOTOR, _("changing position in bed"), 4),
    AssessmentItem("bed_chair_transfer", MOTOR, _("moving between bed and chair"), 4),
    AssessmentItem("walking", MOTOR, _("walking on level ground"), 4),
    AssessmentItem("stairs", MOTOR, _("going up and down stairs"), 3),
    AssessmentItem("orientation_time", MENTAL, _("orientation in time"), 4),
    AssessmentItem("orientation_place", MENTAL, _("orientation in place"), 4),
    AssessmentItem("orientation_person", MENTAL, _("orientation to people"), 4),
    AssessmentItem("memory", MENTAL, _("memory"), 4),
    AssessmentItem("comprehension", MENTAL, _("understanding"), 4),
    AssessmentItem("expression", MENTAL, _("expression"), 4),
    AssessmentItem("aggression", MENTAL, _("aggressive behaviour"), 1),
    AssessmentItem("depression", MENTAL, _("depressive symptoms"), 1),
    AssessmentItem("consciousness", MENTAL, _("level of consciousness"), 2),
    AssessmentItem("vision", PERCEPTION, _("vision"), 2),
    AssessmentItem("hearing", PERCEPTION, _("hearing"), 2),
    AssessmentItem("daily_affairs", PERCEPTION, _("handling daily affairs"), 4),
    AssessmentItem("transport", PERCEPTION, _("going out by transport"), 3),
    AssessmentItem("social", PERCEPTION, _("social interaction"), 4),
]
ASSESSMENT_ITEM_BY_CODE = {i.code: i for i in ASSESSMENT_ITEMS}
ASSESSMENT_MAX_TOTAL = sum(i.maximum for i in ASSESSMENT_ITEMS)  # 90
COMA_CODE = "consciousness"  # 0 points = 昏迷


class AbilityLevel(models.IntegerChoices):
    INTACT = 0, _("0 ability intact")
    MILD = 1, _("1 mild loss of ability")
    MODERATE = 2, _("2 moderate loss of ability")
    SEVERE = 3, _("3 severe loss of ability")
    TOTAL = 4, _("4 total loss of ability")


class MentalDiagnosis(models.TextChoices):
    NONE = "none", _("none")
    DEMENTIA = "dementia", _("dementia (F00–F03)")
    OTHER = "other", _("other mental or behavioural disorder (F04–F99)")


class AssessmentReason(models.TextChoices):
    FIRST = "first", _("first assessment")
    ROUTINE = "routine", _("routine reassessment")
    AD_HOC = "ad_hoc", _("ad hoc reassessment (change of condition)")
    DISPUTE = "dispute", _("reassessment on a disputed result")
    OTHER = "other", _("other")
