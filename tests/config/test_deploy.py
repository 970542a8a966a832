"""Deployment: production settings pass `check --deploy`; docker-compose and Dockerfile hold together."""

import importlib.util
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from config.celery import app
from mystery_tests.provenance import private_key_pem

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("migrate", "web", "worker")


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env() -> dict[str, str]:
    return {
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "DJANGO_ALLOWED_HOSTS": "awards.example.org",
        "SITE_URL": "https://awards.example.org",
        "SIGNING_KEY": private_key_pem(Ed25519PrivateKey.generate()),
    }


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_deploy_check_security_is_clean_in_production():
    # Act
    result = run_manage("check", "--deploy", "--tag", "security", "--fail-level", "WARNING", **production_env())

    # Assert
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_deploy_check_is_clean_in_production():
    # Act
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **production_env())

    # Assert
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_deploy_production_sends_csp_hsts_and_frame_headers():
    # Arrange: a request through the production middleware stack (HTTPS as the proxy reports it)
    script = (
        "from django.test import Client; "
        "r = Client().get('/api/v1/schema/', HTTP_HOST='awards.example.org', HTTP_X_FORWARDED_PROTO='https'); "
        "print(r.status_code); print(r['Content-Security-Policy']); print(r['Strict-Transport-Security']); "
        "print(r['X-Frame-Options']); print(r['X-Content-Type-Options']); print(r['Referrer-Policy'])"
    )

    # Act
    result = run_manage("shell", "-c", script, **production_env())

    # Assert
    status, csp, hsts, frame, nosniff, referrer = result.stdout.splitlines()[-6:]
    assert status == "200", result.stderr
    # django-csp writes the directives in no fixed order: compare them as a mapping.
    policy = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert (policy["default-src"], policy["script-src"], policy["frame-ancestors"]) == ("'self'", "'self'", "'none'")
    assert hsts == "max-age=31536000; includeSubDomains; preload"
    assert (frame, nosniff, referrer) == ("DENY", "nosniff", "same-origin")


@pytest.mark.parametrize("key", ["DJANGO_SECRET_KEY", "SIGNING_KEY"])
def test_deploy_production_without_a_key_is_refused(key):
    # Arrange
    env = production_env()
    del env[key]

    # Act
    result = run_manage("check", **env)

    # Assert
    assert result.returncode == 1
    assert f"{key} must be set when DJANGO_ENV=production." in result.stderr


def test_deploy_production_with_a_non_ed25519_signing_key_is_refused():
    # Arrange
    env = {**production_env(), "SIGNING_KEY": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"}

    # Act
    result = run_manage("check", **env)

    # Assert
    assert result.returncode == 1
    assert "SIGNING_KEY cannot be used" in result.stderr


def test_deploy_production_without_site_url_is_refused():
    # Arrange: an empty variable counts as unset (compose files leave them so)
    env = {**production_env(), "SITE_URL": ""}

    # Act
    result = run_manage("check", **env)

    # Assert
    assert result.returncode == 1
    assert "SITE_URL must be set when DJANGO_ENV=production" in result.stderr


@pytest.mark.parametrize(
    "value", ["awards.example.org", "ftp://awards.example.org", "http://:8000", "https://x.org/?a=1"]
)
def test_deploy_malformed_site_url_is_refused(value):
    # Act
    result = run_manage("check", SITE_URL=value)

    # Assert
    assert result.returncode == 1
    assert f"SITE_URL must be an http(s) base address such as https://awards.example.org, not {value!r}" in (
        result.stderr
    )


def test_deploy_site_url_trailing_slash_is_dropped():
    # Act
    result = run_manage(
        "shell",
        "-v0",
        "-c",
        "from django.conf import settings; print(settings.SITE_URL)",
        SITE_URL="https://awards.example.org/",
    )

    # Assert
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "https://awards.example.org"


def test_empty_variables_count_as_unset():
    # Act
    result = run_manage(
        "shell",
        "-v0",
        "-c",
        "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], "
        "s.CACHES['default']['BACKEND'], s.CELERY_TASK_ALWAYS_EAGER)",
        DATABASE_URL="",
        REDIS_URL="",
        DJANGO_ENV="",
    )

    # Assert
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "django.core.cache.backends.locmem.LocMemCache",
        "True",
    ]


def test_compose_has_the_five_services(compose):
    # Assert
    assert sorted(compose["services"]) == ["db", "migrate", "redis", "web", "worker"]
    assert sorted(compose["volumes"]) == ["media", "pgdata", "redisdata"]


def test_compose_long_running_services_have_health_checks(compose):
    # Assert
    for name in ("db", "redis", "web", "worker"):
        assert compose["services"][name]["healthcheck"]["test"], name
    assert "pg_isready" in " ".join(compose["services"]["db"]["healthcheck"]["test"])
    assert compose["services"]["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]


def test_compose_app_services_wait_for_healthy_dependencies(compose):
    # Assert
    services = compose["services"]
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    for name in ("web", "worker"):
        assert services[name]["depends_on"] == {
            "db": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }


def test_compose_app_services_get_the_production_environment(compose):
    # Assert
    for name in APP_SERVICES:
        env = compose["services"][name]["environment"]
        assert env["DJANGO_ENV"] == "production"
        assert env["DATABASE_URL"].startswith("postgres://awards:")
        assert env["DATABASE_URL"].endswith("@db:5432/awards")
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert env["DJANGO_SECRET_KEY"].startswith("${DJANGO_SECRET_KEY:?")
        assert "DJANGO_ALLOWED_HOSTS" in env
        assert env["SITE_URL"].startswith("${SITE_URL:-")
        assert env["SIGNING_KEY"].startswith("${SIGNING_KEY:?")


def test_compose_volumes_keep_database_and_media(compose):
    # Assert
    services = compose["services"]
    assert services["db"]["volumes"] == ["pgdata:/var/lib/postgresql/data"]
    for name in APP_SERVICES:
        assert services[name]["volumes"] == ["media:/app/media"]
        assert services[name]["environment"]["MEDIA_ROOT"] == "/app/media"


def test_compose_commands_reference_real_modules(compose):
    # Arrange
    services = compose["services"]

    # Assert
    assert services["web"]["command"][:2] == ["gunicorn", "config.wsgi:application"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert "-B" in services["worker"]["command"]  # beat: the periodic sweep and scheduled publications
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert importlib.util.find_spec("config.wsgi") is not None
    assert importlib.util.find_spec("config.celery") is not None
    assert app.main == "config"


def test_dockerfile_builds_a_slim_non_root_image_serving_wsgi():
    # Arrange
    dockerfile = (ROOT / "Dockerfile").read_text()

    # Assert
    assert dockerfile.splitlines()[1] == "FROM python:3.11-slim"
    assert "libpango-1.0-0" in dockerfile and "libpangoft2-1.0-0" in dockerfile
    assert "pip install -r requirements.txt" in dockerfile
    assert "collectstatic --noinput" in dockerfile
    assert re.search(r"^USER app$", dockerfile, re.M)
    cmd = re.search(r"^CMD (.*)$", dockerfile, re.M).group(1)
    assert cmd.startswith('["gunicorn", "config.wsgi:application"')


def test_dockerignore_keeps_local_state_out_of_the_image():
    # Arrange
    ignored = set((ROOT / ".dockerignore").read_text().split())

    # Assert
    assert {".git", ".venv", "db.sqlite3", "media", "staticfiles"} <= ignored
