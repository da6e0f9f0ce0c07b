"""The signed-in account and the roles it holds, from the cache.

Two slots of ``minsheng.core.usercache``, fetched with the session's other
per-user values in one round trip by the authentication backend:

- ``account`` — what ``principal_user(user_id)`` returns for a session: the user
  row, read from the database only after it changed;
- ``roles`` — the user's role assignments with role, organisation and region,
  read on the first role check after a change (``held_assignments``: "which roles
  does this user hold today").

What is cached is not the whole row: the password hash, the phone number, the
TOTP secret and the lookup hashes stay in the database (an account from the
cache loads them on first access, like any deferred field). Instead of the
password hash it keeps Django's session-auth hash (an HMAC of it, the value every
session already stores), so that a changed password still ends every other
session on its next request; instead of the API token's digest it keeps a
fingerprint of it (``api_token_fingerprint``), against which token
authentication (minsheng.api.auth) checks the token it was shown, so a rotated
or revoked token is refused on its next request.

The receivers below (connected in AccessConfig.ready) drop the account when the
user row changes — deactivation, a new password, a new or cleared API token, a
new name — and the roles when one of the user's assignments is created, changed
or deleted, and everyone's roles when a role, an organisation or a region is
saved or deleted. Validity dates are checked at use, so an assignment that ends
at midnight ends at midnight.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.utils import timezone

from minsheng.core import usercache

from .models import RoleAssignment

ACCOUNT = "account"  # the user row, without secrets, and its session-auth hash
ROLES = "roles"  # the user's role assignments with role, organisation and region
usercache.register(ACCOUNT)
usercache.register(ROLES, shared=True)  # also dropped for all when a role/org/region changes

# Never copied to the cache: secrets and personal data (see the module docstring).
PRIVATE_FIELDS = frozenset({"password", "phone", "phone_hash", "totp_secret", "api_token_hash"})


def api_token_fingerprint(digest: str | None) -> str:
    """What the cached account keeps of its API token's digest (``""``: no token).

    The digest (sha256 of a 256-bit random token) could be cached as it is — it
    cannot be reversed or guessed, unlike the phone and ID lookup hashes — but the
    cache is the less guarded store, and nothing in it need match the database's
    unique index on the column; a second hash, truncated to 128 bits, serves to
    compare a presented token's digest with the account's just as well."""
    if not digest:
        return ""
    return hashlib.sha256(f"api-token:{digest}".encode()).hexdigest()[:32]


@functools.cache
def _user_fields() -> tuple[str, ...]:
    return tuple(
        f.attname for f in get_user_model()._meta.concrete_fields if f.attname not in PRIVATE_FIELDS
    )


def principal_user(user_id, entries: dict[str, usercache.Entry] | None = None):
    """The user with this id, or None if there is none.

    ``entries`` are the user's cache entries already fetched (the backend fetches
    every slot in one round trip); they stay on the user as ``_usercache`` so that
    the role check and the top bar's unread count need no second round trip.
    The account carries ``_api_token_fingerprint`` (see ``api_token_fingerprint``).
    """
    User = get_user_model()
    entries = entries if entries is not None else usercache.fetch(user_id, [ACCOUNT, ROLES])
    entry = entries[ACCOUNT]
    names = _user_fields()
    # Three parts: a value stored by an older release (two parts) is rebuilt.
    if entry.hit and len(entry.value) == 3 and len(entry.value[0]) == len(names):
        fields, auth_hash, token_fingerprint = entry.value
        user = User.from_db("default", names, fields)
        user._session_auth_hash = auth_hash
    else:
        user = User._default_manager.filter(pk=user_id).first()
        if user is None:
            return None
        fields = tuple(getattr(user, name) for name in names)
        token_fingerprint = api_token_fingerprint(user.api_token_hash)
        usercache.store(
            user_id, ACCOUNT, entry, (fields, user.get_session_auth_hash(), token_fingerprint)
        )
    user._api_token_fingerprint = token_fingerprint
    user._usercache = entries
    return user


def _assignments(user) -> list[RoleAssignment]:
    entries = getattr(user, "_usercache", None)
    if entries is None:
        entries = user._usercache = {}
    entry = entries.get(ROLES)
    if entry is None or not entry.current():
        # Not read this request, or this process changed something since.
        entry = entries[ROLES] = usercache.fetch(user.pk, [ROLES])[ROLES]
    if not entry.hit:
        usercache.store(
            user.pk,
            ROLES,
            entry,
            list(
                RoleAssignment.objects.filter(user_id=user.pk)
                .select_related("role", "organisation", "region")
                .order_by("pk")
            ),
        )
    return entry.value


def held_assignments(*, user, roles: Iterable[str] | None = None) -> list[RoleAssignment]:
    """The user's assignments valid today, of ``roles`` when given, oldest first.

    The same rows as ``selectors.active_assignments`` (with role, organisation and
    region loaded), as a list read from the cache.
    """
    if not getattr(user, "is_authenticated", False) or user.pk is None:
        return []
    wanted = set(roles) if roles else None
    today = timezone.localdate()
    return [
        a
        for a in _assignments(user)
        if (wanted is None or a.role_id in wanted)
        and (a.valid_from is None or a.valid_from <= today)
        and (a.valid_to is None or a.valid_to >= today)
    ]


# --- invalidation (connected in AccessConfig.ready) ------------------------------------


def user_changed(sender, instance, **kwargs) -> None:
    usercache.bump([instance.pk], [ACCOUNT])


def assignment_changed(sender, instance, **kwargs) -> None:
    usercache.bump([instance.user_id], [ROLES])


def shared_row_changed(sender, instance, **kwargs) -> None:
    usercache.bump_all(ROLES)


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from minsheng.regions.models import Region

    from .models import Organisation, Role

    User = get_user_model()
    for name, signal in (("save", post_save), ("delete", post_delete)):
        signal.connect(user_changed, sender=User, dispatch_uid=f"principal-user-{name}")
        signal.connect(
            assignment_changed, sender=RoleAssignment, dispatch_uid=f"principal-ra-{name}"
        )
        for model in (Role, Organisation, Region):
            signal.connect(
                shared_row_changed,
                sender=model,
                dispatch_uid=f"principal-{model._meta.label}-{name}",
            )
