# Gränslös — the production image: one image, three roles (web, worker, beat; see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so code changes don't re-install them. psycopg[binary] brings libpq.
COPY pyproject.toml README.md ./
RUN pip install .

COPY . .

# Static files are collected at build time and served by WhiteNoise from the image.
# collectstatic touches neither database nor Redis; the URLs below only satisfy the settings.
RUN DJANGO_DEBUG=0 DJANGO_SECRET_KEY=collectstatic-only \
    DATABASE_URL=postgresql://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput --verbosity 0

# Uploads (MARC files from the staff page) live outside /app, which the app user cannot write;
# compose mounts the shared "media" volume here for web and worker (a new named volume takes
# this folder's owner). tests/test_compose_media.py checks the three agree.
ENV GRANSLOS_MEDIA_DIR=/var/lib/granslos/media
RUN useradd --system --uid 1000 --home-dir /app granslos \
    && mkdir -p /var/lib/celery "$GRANSLOS_MEDIA_DIR" \
    && chown granslos /var/lib/celery && chown -R granslos /var/lib/granslos
USER granslos

EXPOSE 8000
# Worker processes (gunicorn reads WEB_CONCURRENCY), each with 4 threads, so a desk request does
# not wait behind slow searches. No access log: request lines carry search terms, and what a
# patron looks for is confidential.
ENV WEB_CONCURRENCY=3
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--worker-class", "gthread", \
     "--threads", "4", "--timeout", "60"]
