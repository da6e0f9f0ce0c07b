from django.contrib import admin, messages
from django.utils.translation import gettext as _

from .calendar import calendar_warnings


def warn_missing_holidays(request) -> None:
    """Tell the administrator which years still lack the official holiday arrangement."""
    for year in calendar_warnings():
        messages.warning(
            request,
            _(
                "There are no holidays for %(year)s yet: deadlines in %(year)s count "
                "Monday to Friday and are marked provisional. Add the official holidays "
                "and adjusted working days for %(year)s under Holidays and adjusted working days."
            )
            % {"year": year},
        )


class HolidayDayAdmin(admin.ModelAdmin):
    """Registered by minsheng.workbench.admin on the audited base (core sits below the audit
    trail, so it cannot import it)."""

    list_display = ["date", "kind", "name", "source"]
    list_filter = ["kind", "source"]
    search_fields = ["name"]
    date_hierarchy = "date"

    def changelist_view(self, request, extra_context=None):
        warn_missing_holidays(request)
        return super().changelist_view(request, extra_context)


_site_index = admin.site.index


def _index_with_calendar_warning(request, extra_context=None):
    warn_missing_holidays(request)
    return _site_index(request, extra_context)


# The admin index is where administrators look first; the site's own index
# view is kept and only preceded by the warning.
admin.site.index = _index_with_calendar_warning
