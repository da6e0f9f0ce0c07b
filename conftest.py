# Test settings come from config/test_settings.py (pyproject's DJANGO_SETTINGS_MODULE): pytest-django
# sets Django up before this file is read, so an environment variable set here came too late.

# The browser pass runs on xdist workers too (``./run tests``), and two of its tests take most
# of its time: the page walk and the year in the life. xdist's ``load`` scheduling hands out its
# first tests round robin, so these two go first and land on different workers.
LONGEST_FIRST = ("test_pages_in_browser.py", "test_year_in_the_life.py")


def pytest_collection_modifyitems(config, items):
    def rank(item):
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    if any(item.path.name in LONGEST_FIRST for item in items):
        items.sort(key=rank)  # stable: the rest keep their order
