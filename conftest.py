import os

os.environ.setdefault("MINSHENG_ENV", "test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
