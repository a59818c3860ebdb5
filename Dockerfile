# Fido back office: one image for api, worker, beat and flower (the command picks the role).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    APP_ENV=production \
    PORT=8000 \
    HOST=0.0.0.0

WORKDIR /app

# Dependency layer first: it is rebuilt only when requirements.txt changes.
COPY requirements.txt .
RUN pip install -r requirements.txt

RUN groupadd --system fido && useradd --system --gid fido --home-dir /app --shell /usr/sbin/nologin fido \
    && mkdir -p /var/lib/fido && chown fido:fido /var/lib/fido
COPY --chown=fido:fido . .

USER fido
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os,urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\",\"8000\")}/health/live', timeout=4)" || exit 1

# gunicorn serves the API; override the command for worker, beat or flower (see docker-compose.yml).
CMD ["python", "manage.py", "api"]
