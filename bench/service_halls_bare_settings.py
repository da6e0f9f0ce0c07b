from config.settings import *  # noqa: F403

ROOT_URLCONF = "service_halls_bare_urls"
