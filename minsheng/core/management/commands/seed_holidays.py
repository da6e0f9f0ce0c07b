"""Copy the official holiday arrangement from chinesecalendar into the holiday table."""

from django.core.management.base import BaseCommand, CommandError

from minsheng.core.calendar import holidays_seed


class Command(BaseCommand):
    help = "Seed holidays and adjusted working days from chinesecalendar (only years it knows)."

    def add_arguments(self, parser):
        parser.add_argument("years", nargs="*", type=int, help="years to seed (default: all known)")

    def handle(self, *args, years, **options):
        import chinese_calendar

        known = {d.year for d in chinese_calendar.holidays}
        unknown = sorted(set(years) - known)
        if unknown:
            raise CommandError(
                f"chinesecalendar has no data for {unknown}; add those years in the admin."
            )
        created = holidays_seed(years=years or None)
        self.stdout.write(f"{created} holiday rows created")
