"""A clerk whose role assignment changes is signed off the windows outside their new scope
once the change commits (window actions trust the signed-on clerk; the periodic sweep in
tasks.PERIODIC catches assignments that lapse by date)."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from minsheng.access.models import RoleAssignment


@receiver(post_save, sender=RoleAssignment, dispatch_uid="service_halls.assignments")
@receiver(post_delete, sender=RoleAssignment, dispatch_uid="service_halls.assignments_del")
def assignments_changed(sender, instance, **kwargs):
    from .services.windows import windows_release_out_of_scope

    transaction.on_commit(lambda: windows_release_out_of_scope(user_id=instance.user_id))
