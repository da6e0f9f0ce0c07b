from django.conf import settings


def platform(request):
    return {"site_name": settings.MINSHENG_SITE_NAME, "debug": settings.DEBUG}
