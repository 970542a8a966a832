# The platform's image: web (gunicorn) and Celery worker run from it (docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_ENV=production

# WeasyPrint renders PDFs with Pango; gettext compiles the translations; fonts for the PDFs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
       fonts-dejavu-core gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Build-time only: settings refuse production without a secret key and SITE_URL; these two commands use neither.
RUN DJANGO_SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime-0123456789 SITE_URL=https://build.invalid \
       python manage.py collectstatic --noinput --verbosity 0 \
    && DJANGO_SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime-0123456789 SITE_URL=https://build.invalid \
       python manage.py compilemessages --verbosity 0

RUN useradd --create-home --uid 1000 app \
    && mkdir -p /app/media \
    && chown -R app:app /app/media
USER app

EXPOSE 8000
# gunicorn reads WEB_CONCURRENCY as its number of worker processes: one per CPU, 4 threads each.
ENV WEB_CONCURRENCY=2
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--worker-class", "gthread", "--threads", "4", "--timeout", "120", "--access-logfile", "-"]
