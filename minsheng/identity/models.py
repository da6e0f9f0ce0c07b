from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.core.models import TimeStampedModel

from .fields import EncryptedTextField
from .idnumbers import mask_id_number, mask_phone
from .managers import UserManager


class User(AbstractBaseUser, PermissionsMixin):
    """An account. Citizens sign in by phone number; staff by username.

    One ``name`` field: Chinese names have no first/last split, may contain
    ``·`` and characters outside the BMP (𠮷).
    """

    username = models.CharField(_("username"), max_length=64, unique=True, null=True, blank=True)
    name = models.CharField(_("full name"), max_length=100)
    phone = EncryptedTextField(_("mobile phone"), blank=True, default="")
    phone_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    email = models.EmailField(_("email"), blank=True)
    is_staff = models.BooleanField(_("staff member"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    preferred_language = models.CharField(_("language"), max_length=10, blank=True)
    # Elderly mode (大字版), remembered for the next device (minsheng.core.display).
    large_text = models.BooleanField(_("large text (elderly mode)"), default=False)
    # Second factor (TOTP) for staff who may see unmasked personal data.
    totp_secret = EncryptedTextField(_("TOTP secret"), blank=True, default="")
    totp_confirmed_at = models.DateTimeField(_("second factor confirmed at"), null=True, blank=True)
    # A token for API clients (sha256 of the token; the token is shown once).
    api_token_hash = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or self.username or f"#{self.pk}"

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name

    @property
    def has_second_factor(self) -> bool:
        return bool(self.totp_secret and self.totp_confirmed_at)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class Sex(models.TextChoices):
    MALE = "M", _("male")
    FEMALE = "F", _("female")


class Person(TimeStampedModel):
    """A real-name person (实名信息). May have no account (a child, an elder).

    ID and phone numbers are encrypted at rest; ``*_hash`` (HMAC-SHA256 with a
    separate key) finds a person by number without decrypting anything.
    """

    user = models.OneToOneField(
        User,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    name = models.CharField(_("full name"), max_length=100)
    id_number = EncryptedTextField(_("resident ID number"), blank=True, default="")
    id_number_hash = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )
    id_number_tail = models.CharField(max_length=4, blank=True, editable=False)
    phone = EncryptedTextField(_("mobile phone"), blank=True, default="")
    phone_hash = models.CharField(
        max_length=64, null=True, blank=True, db_index=True, editable=False
    )
    birth_date = models.DateField(_("date of birth"), null=True, blank=True, db_index=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    # Household registration (户籍) region, and where the person lives.
    hukou_region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("household registration"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    residence_region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("place of residence"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="residents",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.FloatField(_("latitude (WGS-84)"), null=True, blank=True)
    longitude = models.FloatField(_("longitude (WGS-84)"), null=True, blank=True)
    verified_at = models.DateTimeField(_("real-name verified at"), null=True, blank=True)
    verified_by = models.CharField(_("verified by"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def from_db(cls, db, field_names, values):
        person = super().from_db(db, field_names, values)
        # The account the row was read with: moving the person to another account
        # drops the old account's cached unread count too (minsheng.notifications).
        person._loaded_user_id = person.__dict__.get("user_id")
        return person

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @property
    def verified_by_title(self) -> str:
        """How the real name was checked, in words (``verified_by`` holds the verifier's code)."""
        return str(VERIFIER_TITLES.get(self.verified_by, self.verified_by))


# The codes identity.verification's verifiers record in Person.verified_by.
VERIFIER_TITLES = {
    "checksum-only": _("format check only"),
    "oidc": _("real-name sign-in service"),
    "demo": _("demo data"),
    "none": _("not checked"),
}


class RelationKind(models.TextChoices):
    GUARDIAN = "guardian", _("guardian")
    FAMILY = "family", _("family member")
    AGENT = "agent", _("agent acting for")


class PersonRelation(TimeStampedModel):
    """``person`` is the ``kind`` of ``relative``: "A is guardian of B".

    Programs use these and never model their own guardians or agents.
    """

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="relations_out"
    )
    relative = models.ForeignKey(
        Person, verbose_name=_("relative"), on_delete=models.CASCADE, related_name="relations_in"
    )
    kind = models.CharField(_("relation"), max_length=16, choices=RelationKind.choices)
    detail = models.CharField(_("detail"), max_length=50, blank=True)  # 父亲, 母亲, 子女 …
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("relation between people")
        verbose_name_plural = _("relations between people")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "relative", "kind"], name="uniq_person_relation"
            ),
            models.CheckConstraint(
                condition=~models.Q(person=models.F("relative")), name="relation_not_self"
            ),
        ]


class SignInLinkPurpose(models.TextChoices):
    FIRST = "first", _("first sign-in")
    RESET = "reset", _("password reset")


class SignInLink(models.Model):
    """登录链接 — a one-time link by SMS for a member of staff: the first sign-in after an
    invitation, or a forgotten password. Only the token's sha256 is stored; the URL carries
    the token and nothing else (no account number). A link works once, until ``expires_at``,
    and a newer link for the same account revokes it (minsheng.identity.services.links)."""

    user = models.ForeignKey(User, verbose_name=_("account"), on_delete=models.CASCADE, related_name="sign_in_links")
    purpose = models.CharField(_("purpose"), max_length=8, choices=SignInLinkPurpose.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("replaced at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        User, verbose_name=_("sent by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("sign-in link")
        verbose_name_plural = _("sign-in links")
        indexes = [models.Index(fields=["user", "used_at", "revoked_at"], name="signinlink_open")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} · {self.user}"
