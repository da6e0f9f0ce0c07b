"""Log records carry the request id of the request being served ("-" outside one),
so one request's lines can be found across the web server, the API and the audit trail."""

import logging

from .middleware import current_request


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            request = current_request()
            record.request_id = getattr(request, "request_id", "-") if request else "-"
        return True
