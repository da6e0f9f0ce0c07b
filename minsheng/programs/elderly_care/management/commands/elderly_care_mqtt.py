"""Run the alarm devices' MQTT feed: every message goes to services.devices, as the webhook's do."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ...services.devices import MQTT_TOPIC, mqtt_consume


class Command(BaseCommand):
    help = "Subscribe to the gas/smoke alarm devices on MQTT_URL and feed their messages to the platform."

    def add_arguments(self, parser):
        parser.add_argument("--topic", default=MQTT_TOPIC)

    def handle(self, *args, topic, **options):
        if not settings.MQTT_URL:
            raise CommandError(
                "Set MQTT_URL (e.g. mqtt://127.0.0.1:1883) to receive device messages."
            )
        self.stdout.write(f"listening on {settings.MQTT_URL} {topic}")
        mqtt_consume(url=settings.MQTT_URL, topic=topic)
