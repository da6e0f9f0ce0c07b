"""Progress spreadsheets: bulk progress through minsheng.imports (dry run, row-by-row errors,
progress, error report download).

One row per project: year (optional: the latest year), project number, percent done, what was done.
Every row is checked first (the project exists in that year and can still take progress, the percent
is 0–100, the text is there); the import is all-or-nothing, so with any bad row nothing is written.
Whether the uploader's unit leads each project is checked when the reports are written (the shared
importer's row checks do not know the uploader): a project of another unit stops the whole import,
naming that project, and nothing is written.
"""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minsheng.core.errors import NotAllowed, ValidationFailed
from minsheng.imports.base import Column, Importer, parsers
from minsheng.imports.services import import_start

from ..models import Cycle, ProgressSource, Project, ProjectStatus
from ..selectors import unit_ids
from .projects import check_percent, progress_report_submit

IMPORTER_KEY = "evaluation_panels.progress"


def parse_percent(raw) -> int:
    if isinstance(raw, float) and 0 < raw <= 1 and not raw.is_integer():
        raw = round(raw * 100)  # an Excel cell formatted as a percentage holds 0.85
    try:
        return check_percent(raw)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.fields["percent_done"][0]) from None


def _project_for(values: dict) -> Project:
    year = values.get("year")
    cycle = Cycle.objects.filter(year=year).first() if year else Cycle.objects.order_by("-year").first()
    if cycle is None:
        raise ValidationFailed(
            _("There is no project year %(y)s. Correct the year column or leave it empty for the latest year.")
            % {"y": year or ""}
        )
    project = Project.objects.filter(cycle=cycle, number=values["number"]).select_related("lead_unit").first()
    if project is None:
        raise ValidationFailed(
            _("No project numbered %(n)s in %(y)s. Check the number on the unit's project list.")
            % {"n": values["number"], "y": cycle.year}
        )
    return project


def validate_row(values: dict) -> None:
    project = _project_for(values)
    if project.status == ProjectStatus.EVALUATED:
        raise ValidationFailed(
            _("Project %(n)s has been evaluated; progress can no longer be reported. Remove this row.")
            % {"n": project.number}
        )


def save_rows(rows: list[dict], job) -> int:
    actor = job.created_by
    units = None
    if actor is not None and not actor.is_superuser:
        units = unit_ids(user=actor)
    with transaction.atomic():
        for row in rows:
            project = _project_for(row)
            if units is not None and project.lead_unit_id not in units:
                raise NotAllowed(
                    _("Project %(n)s is not led by your unit, so nothing was imported. Remove its row and upload again.")
                    % {"n": project.number}
                )
            progress_report_submit(project=project, percent_done=row["percent_done"], text=row["text"],
                                   actor=actor, source=ProgressSource.IMPORT)
    return len(rows)


IMPORTERS = [
    Importer(
        key=IMPORTER_KEY,
        title=gettext_lazy("livelihood projects: progress"),
        columns=[
            Column("year", ("年度", "year"), parsers.integer(min_value=2000, max_value=2100), required=False),
            Column("number", ("项目编号", "编号", "number"), parsers.text(max_length=20)),
            Column("percent_done", ("完成进度", "进度", "percent_done", "percent done"), parse_percent),
            Column("text", ("进展情况", "说明", "text"), parsers.text(max_length=2000)),
        ],
        natural_key=("year", "number"),
        validate_row=validate_row,
        save_rows=save_rows,
        all_or_nothing=True,
        roles=("project_unit_officer",),
        description=gettext_lazy(
            "One row per project: year (optional), project number, percent done (0–100) and what was done. "
            "Nothing is written while any row has an error."
        ),
    ),
]


def progress_import(*, file, actor, dry_run: bool = True):
    """Bulk progress from a spreadsheet (CSV or XLSX) through the shared importer.

    Returns the ImportJob: it is queued and runs in the background (at once in tests);
    its page shows the progress and every bad row. A dry run only checks. The import is
    all-or-nothing: with any bad row, or a project of another unit, nothing is written.
    """
    return import_start(importer_key=IMPORTER_KEY, file=file, dry_run=dry_run, actor=actor)
