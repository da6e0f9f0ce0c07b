"""CSV export of an audit search; the export itself is audited."""

import csv
import json
from collections.abc import Iterator

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from .services import audit_record

COLUMNS = [
    "id", "occurred_at", "actor_id", "actor_label", "event_type", "target_type", "target_id",
    "target_label", "old_values", "new_values", "ip_address", "request_id",
]


class _Echo:
    def write(self, value):
        return value


def audit_export(*, actor, queryset: QuerySet, filters: dict) -> Iterator[str]:
    """Record who exported what (filters, row count), then yield CSV lines.

    The record is committed before the first line goes out, so an export
    cannot happen without leaving its trace.
    """
    count = queryset.count()
    with transaction.atomic():
        audit_record(
            event_type="audit.export",
            actor=actor,
            target_type="audit.auditevent",
            new={"filters": {k: str(v) for k, v in filters.items() if v}, "rows": count},
        )
    writer = csv.writer(_Echo())

    def rows():
        yield "\ufeff" + writer.writerow(COLUMNS)
        for e in queryset.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    e.pk,
                    timezone.localtime(e.occurred_at).isoformat(),
                    e.actor_id or "",
                    e.actor_label,
                    e.event_type,
                    e.target_type,
                    e.target_id,
                    e.target_label,
                    "" if e.old_values is None else json.dumps(e.old_values, ensure_ascii=False),
                    "" if e.new_values is None else json.dumps(e.new_values, ensure_ascii=False),
                    e.ip_address or "",
                    e.request_id,
                ]
            )

    return rows()
