"""Seed the holiday table from chinesecalendar (the years it knows, 2004–2026 at this version).

Later years are added by administrators (or by ``manage.py seed_holidays``
after upgrading chinesecalendar); the runtime never calls chinesecalendar.
"""

from django.db import migrations

NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def seed(apps, schema_editor):
    import chinese_calendar

    HolidayDay = apps.get_model("core", "HolidayDay")
    existing = set(HolidayDay.objects.values_list("date", flat=True))
    source = f"chinesecalendar {getattr(chinese_calendar, '__version__', '')}".strip()
    rows = [
        HolidayDay(date=d, kind=kind, name=NAMES.get(name, name), source=source)
        for table, kind in (
            (chinese_calendar.holidays, "holiday"),
            (chinese_calendar.workdays, "adjusted_workday"),
        )
        for d, name in table.items()
        if d not in existing
    ]
    HolidayDay.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
