FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# WeasyPrint needs Pango; fonts for PDFs.
RUN apt-get update && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
# collectstatic at build time: production settings (the compressed manifest storage) need its manifest,
# and every page answers 500 without it. The build-only secrets exist only to let the settings load.
RUN pip install --no-cache-dir -e . \
    && DEBUG=0 SECRET_KEY=build-only ALLOWED_HOSTS=build \
       AUDIT_CHAIN_KEYS=build:build-only-not-a-secret-0123456789abcdef \
       python manage.py collectstatic --noinput
RUN useradd --create-home portal && mkdir -p /app/media && chown portal /app/media
USER portal
EXPOSE 8000
# Workers, threads, timeouts, max-requests: config/gunicorn.py, each overridable by a GUNICORN_* variable.
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi:application"]
