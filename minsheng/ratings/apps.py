from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RatingsConfig(AppConfig):
    name = "minsheng.ratings"
    label = "ratings"
    verbose_name = _("Ratings")

    def ready(self):
        from minsheng.notifications.templates import register as register_template

        from .process import register

        register()
        register_template(
            "ratings.bad_rating",
            title="收到差评",
            body="{organisation}收到一条差评（{service}），请在5个工作日内联系评价人并整改，办件编号{reference}。",
            channels=("inbox", "sms"),
        )
