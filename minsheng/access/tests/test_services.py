import pytest

from minsheng.access.models import Organisation, Role, RoleAssignment
from minsheng.access.roles import CORE_ROLES
from minsheng.access.selectors import user_has_permission, user_has_role
from minsheng.access.services import role_assign, role_revoke, roles_sync
from minsheng.audit.models import AuditEvent
from minsheng.core.errors import Conflict, NotFound, ValidationFailed
from minsheng.core.registry import registry
from minsheng.identity.models import User
from minsheng.regions.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    city = Region.objects.create(code="320700", prefix="3207", name="连云港市", level="city")
    org = Organisation.objects.create(name="连云港市民政局", kind="department", region=city)
    user = User.objects.create_user("clerk", "x-pass-2026", name="窗口")
    admin = User.objects.create_superuser("root", "x-pass-2026", name="管理员")
    return city, org, user, admin


def test_roles_sync_upserts_core_and_program_roles_in_chinese():
    count = roles_sync()
    program_roles = {code for p in registry.programs() for code in p.roles}
    assert Role.objects.count() == count == len(set(CORE_ROLES) | program_roles)
    assert Role.objects.get(code="pii_viewer").permissions == ["identity.unmask"]
    Role.objects.filter(code="pii_viewer").update(permissions=[])
    assert roles_sync() == count
    assert Role.objects.get(code="pii_viewer").permissions == ["identity.unmask"]


def test_role_assign_and_revoke_are_audited_and_grant_permissions(setup):
    city, org, user, admin = setup
    roles_sync()
    role_assign(user=user, role_code="pii_viewer", organisation=org, region=city, actor=admin)
    user.refresh_from_db()
    assert user.is_staff and user_has_role(user=user, roles=["pii_viewer"])
    assert user_has_permission(user=user, permission="identity.unmask")
    with pytest.raises(Conflict):
        role_assign(user=user, role_code="pii_viewer", organisation=org, region="320700", actor=admin)
    with pytest.raises(ValidationFailed):
        role_assign(user=user, role_code="no_such_role", organisation=org, region=city, actor=admin)
    with pytest.raises(ValidationFailed):
        role_assign(user=user, role_code="case_officer", organisation=org, region="999999", actor=admin)
    role_revoke(user=user, role_code="pii_viewer", organisation=org, region=city, actor=admin)
    assert not RoleAssignment.objects.exists()
    assert not user_has_permission(user=user, permission="identity.unmask")
    with pytest.raises(NotFound):
        role_revoke(user=user, role_code="pii_viewer", organisation=org, region=city, actor=admin)
    kinds = list(AuditEvent.objects.order_by("id").values_list("event_type", flat=True))
    assert kinds == ["access.role_assigned", "access.role_revoked"]


def test_staff_decorator_records_the_assignments_on_the_request(setup, rf):
    from minsheng.access.decorators import staff

    city, org, user, _admin = setup
    roles_sync()
    role_assign(user=user, role_code="case_officer", organisation=org, region=city)

    @staff("case_officer")
    def view(request):
        return request.staff_assignments

    request = rf.get("/")
    request.user = User.objects.get(pk=user.pk)
    assert [a.role_id for a in view(request)] == ["case_officer"]
