from config.settings import *  # noqa: F403

ROOT_URLCONF = "after_school_bare_urls"
