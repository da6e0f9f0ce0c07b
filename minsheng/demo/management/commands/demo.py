from django.core.management.base import BaseCommand, CommandError

from minsheng.demo.accounts import accounts_table, accounts_write
from minsheng.demo.services import DEFAULT_SCALE, DEFAULT_SEED, demo_build


class Command(BaseCommand):
    help = "Build the synthetic Lianyungang demo city (idempotent; deterministic per --seed)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=float,
            default=DEFAULT_SCALE,
            help=f"1 = all of Lianyungang (default {DEFAULT_SCALE})",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument(
            "--only", default="", help="comma-separated parts, e.g. foundation,after_school"
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, scale, seed, only, no_progress=False, **options):
        parts = [p.strip() for p in only.split(",") if p.strip()] or None
        try:
            built = demo_build(
                scale=scale,
                seed=seed,
                only=parts,
                show_progress=not no_progress,
                stream=self.stderr,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if not built:
            self.stdout.write("demo city: everything asked for was already built")
        for part, counts in built.items():
            self.stdout.write(f"{part}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
        # The sign-ins last, after the progress output, and in var/demo-accounts.txt.
        written = accounts_write()
        self.stdout.write("")
        self.stdout.write(accounts_table())
        self.stdout.write(f"(also written to {written})")
