# Test settings come from config/test_settings.py (pyproject's DJANGO_SETTINGS_MODULE): pytest-django
# sets Django up before this file is read, so an environment variable set here came too late.
