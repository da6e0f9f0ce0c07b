from django.http import Http404

from minsheng.access.refusals import scoped_gate

from .access import can_view
from .models import Attachment


@scoped_gate(model="attachments.attachment", id_arg="key", lookup="key", integer_id=False)
def attachment_get_for(*, user, key) -> Attachment:
    """The attachment if ``user`` may see it; 404 otherwise (no hint that it exists)."""
    attachment = Attachment.objects.select_related("target_type").filter(key=key).first()
    if attachment is None or not can_view(user, attachment):
        raise Http404
    return attachment


def attachments_for_target(*, target) -> list[Attachment]:
    from django.contrib.contenttypes.models import ContentType

    return list(
        Attachment.objects.filter(
            target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk)
        ).order_by("created_at")
    )
