from ninja import Schema


class ErrorOut(Schema):
    """Every error: ``code`` from minsheng.core.errors.ErrorCode, a translated
    ``message``, and ``fields`` mapping a field path to its messages."""

    code: str
    message: str
    fields: dict[str, list[str]]


# Use as ``@router.post(..., response={200: Out, **ERROR_RESPONSES})``.
ERROR_RESPONSES = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
