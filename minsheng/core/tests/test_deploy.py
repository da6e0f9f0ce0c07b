"""Production settings: pass Django's deployment checks, refuse to start without real secrets."""

import base64
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def run_manage(*args, env_extra, tmp_path):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "MINSHENG_ENV": "production",
        "MINSHENG_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_ALLOWED_HOSTS": "minsheng.example.gov.cn",
        **env_extra,
    }
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)


def real_secrets():
    return {
        "SECRET_KEY": base64.b64encode(os.urandom(48)).decode(),
        "MINSHENG_FIELD_KEY": base64.b64encode(os.urandom(32)).decode(),
        "MINSHENG_HASH_KEY": base64.b64encode(os.urandom(32)).decode(),
    }


def test_production_settings_pass_check_deploy(tmp_path):
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env_extra=real_secrets(), tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secrets(tmp_path):
    result = run_manage("check", env_extra={}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "Production needs real secrets" in result.stderr
    assert not (tmp_path / "var" / "secrets.json").exists()


def test_secrets_can_come_from_files(tmp_path):
    secrets = real_secrets()
    files = {}
    for name, value in secrets.items():
        path = tmp_path / f"{name}.txt"
        path.write_text(value + "\n")
        files[f"{name}_FILE"] = str(path)
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env_extra=files, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_development_writes_keys_once_to_var(tmp_path):
    env = {"MINSHENG_ENV": "development", "DJANGO_ALLOWED_HOSTS": "localhost"}
    first = run_manage("check", env_extra=env, tmp_path=tmp_path)
    assert first.returncode == 0, first.stderr
    stored = (tmp_path / "var" / "secrets.json").read_text()
    second = run_manage("check", env_extra=env, tmp_path=tmp_path)
    assert second.returncode == 0
    assert (tmp_path / "var" / "secrets.json").read_text() == stored


def test_production_caches_compiled_templates_and_uses_redis_with_redis_url(tmp_path):
    """Templates are parsed once per process, and with REDIS_URL the cache is Django's Redis cache."""
    code = (
        "from django.template import engines; from django.core.cache import caches;"
        "print(engines['django'].engine.loaders[0][0]);"
        "print(type(caches['default']).__module__ + '.' + type(caches['default']).__name__)"
    )
    env = {**real_secrets(), "REDIS_URL": "redis://127.0.0.1:6379/0"}
    result = run_manage("shell", "-c", code, env_extra=env, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    # (the shell may first say how many objects it imported)
    assert result.stdout.split()[-2:] == [
        "django.template.loaders.cached.Loader",
        "django.core.cache.backends.redis.RedisCache",
    ]


def test_the_production_process_set_passes_check_deploy(tmp_path):
    """Every engine chosen by the environment at once, as deploy/systemd/minsheng.env.example sets them."""
    env = {
        **real_secrets(),
        "DATABASE_REPLICA_URL": f"sqlite:///{tmp_path / 'replica.sqlite3'}",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "TASKS_BACKEND": "redis",
        "MQTT_URL": "mqtt://127.0.0.1:1883",
        "MEDIA_STORAGE": "s3",
        "S3_BUCKET": "minsheng-attachments",
        "S3_ENDPOINT_URL": "https://oss.example.gov.cn",
        "SMS_CHANNEL": "http",
        "SMS_API_URL": "https://sms.example.gov.cn/v1/send",
        "SMS_TEMPLATE_IDS": "otp_signin=SMS_1,otp_reset=SMS_2",
        "EMAIL_HOST": "smtp.example.gov.cn",
        "WECHAT_ACCESS_TOKEN": "token",
        "LOG_FORMAT": "json",
    }
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env_extra=env, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    code = (
        "from django.conf import settings; from django.core.mail import get_connection;"
        "print(settings.TASKS['default']['BACKEND'], settings.STORAGES['default']['BACKEND'],"
        " settings.DATABASE_ROUTERS[0], type(get_connection()).__module__,"
        " settings.NOTIFICATION_CHANNELS['wechat_template'])"
    )
    shown = run_manage("shell", "-c", code, env_extra=env, tmp_path=tmp_path)
    assert shown.stdout.split()[-5:] == [
        "django_tasks_rq.RQBackend",
        "storages.backends.s3.S3Storage",
        "minsheng.core.replica.ReplicaRouter",
        "django.core.mail.backends.smtp",
        "minsheng.notifications.channels.WechatTemplateChannel",
    ], shown.stdout + shown.stderr
