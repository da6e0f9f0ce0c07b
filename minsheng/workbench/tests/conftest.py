"""The workbench tests' city: a government, two districts, their bureaus, schools and administrators."""

import pytest

from minsheng.access.models import Organisation
from minsheng.access.services import role_assign, roles_sync
from minsheng.identity.models import User
from minsheng.regions.models import Region


@pytest.fixture
def city():
    roles_sync()
    r = {}
    r["city"] = Region.objects.create(code="320700", prefix="3207", name="连云港市", level="city")
    r["haizhou"] = Region.objects.create(code="320706", prefix="320706", name="海州区", level="county",
                                         parent=r["city"])
    r["donghai"] = Region.objects.create(code="320722", prefix="320722", name="东海县", level="county",
                                         parent=r["city"])
    gov = Organisation.objects.create(name="连云港市人民政府", kind="department", department_code="government",
                                      region=r["city"])
    o = {"gov": gov}
    o["haizhou_gov"] = Organisation.objects.create(name="海州区人民政府", kind="department",
                                                   department_code="government", region=r["haizhou"], parent=gov)
    o["haizhou_civil"] = Organisation.objects.create(name="海州区民政局", kind="department",
                                                     department_code="civil_affairs", region=r["haizhou"])
    o["donghai_civil"] = Organisation.objects.create(name="东海县民政局", kind="department",
                                                     department_code="civil_affairs", region=r["donghai"])
    o["school"] = Organisation.objects.create(name="海州实验小学", kind="school", region=r["haizhou"])
    o["other_school"] = Organisation.objects.create(name="海州第二小学", kind="school", region=r["haizhou"])
    root = User.objects.create_superuser("root", "x-pass-2026", name="超级管理员")

    def admin(username, org, region):
        user = User.objects.create_user(username, "x-pass-2026", name=username)
        role_assign(user=user, role_code="staff_admin", organisation=org, region=region, actor=root)
        return user

    users = {
        "city_admin": admin("city_admin", gov, r["city"]),
        "district_admin": admin("district_admin", o["haizhou_gov"], r["haizhou"]),
        "school_admin": admin("school_staff_admin", o["school"], r["haizhou"]),
    }
    return r, o, users
