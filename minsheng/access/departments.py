"""The department codes organisations carry (``Organisation.department_code``).

A process routes a step to "the civil-affairs bureau of the applicant's district" by this
code, so every level's bureau of one department shares it. Declared here once, with the
name people read; the set-up page offers these.
"""

from django.utils.translation import gettext_lazy as _

DEPARTMENTS: dict[str, object] = {
    "government": _("people's government"),
    "civil_affairs": _("civil affairs bureau"),
    "education": _("education bureau"),
    "medical_insurance": _("medical insurance bureau"),
    "market_regulation": _("market regulation administration"),
    "housing": _("housing and urban-rural development bureau"),
    "public_security": _("public security bureau"),
    "tax": _("tax bureau"),
    "human_resources": _("human resources and social security bureau"),
    "housing_fund": _("housing provident fund centre"),
    "people_congress": _("people's congress standing committee"),
    "administrative_approval": _("administrative approval bureau"),
}


def department_title(code: str) -> str:
    """The department's name for a code ("" for none; an undeclared code as it is)."""
    return str(DEPARTMENTS.get(code, code)) if code else ""
