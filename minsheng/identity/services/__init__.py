"""Writes about people and accounts (``.people``, ``.accounts``). Every change writes an audit
entry in its transaction.

Reads live in selectors.py; the ones programs use most are re-exported here
(``persons_in_care_of``, ``person_find_by_id_number``, ``person_relations_of``).
"""

from ..models import Person  # noqa: F401 - for callers
from ..selectors import (  # noqa: F401 - re-exported for programs
    person_find_by_id_number,
    person_relations_of,
    persons_in_care_of,
    user_find_by_phone,
    user_may_unmask,
)
from .accounts import (  # noqa: F401
    api_token_issue,
    citizen_sign_in_otp,
    otp_request,
    password_reset_by_sms,
    password_sign_in,
    session_age_for,
    totp_enrol_begin,
    totp_enrol_confirm,
    totp_verify,
    user_large_text_set,
    user_password_set,
)
from .links import (  # noqa: F401
    LinkNotValid,
    staff_link_code_send,
    staff_link_find,
    staff_link_issue,
    staff_link_redeem,
    staff_link_resend,
    staff_password_link_request,
)
from .people import (  # noqa: F401
    REAL_NAME_REDIRECT_SECONDS,
    SECOND_FACTOR_MAX_AGE,
    family_member_add,
    name_validate,
    person_create,
    person_register_for_user,
    person_relation_add,
    person_unmask,
    real_name_redirect_finish,
    real_name_redirect_start,
)
from .staff import staff_invite, staff_remove, staff_role_grant, staff_role_revoke  # noqa: F401
