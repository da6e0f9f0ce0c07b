"""The case engine's test world (regions, offices, staff, citizens) and the example process."""

from minsheng.cases.tests.conftest import world  # noqa: F401

