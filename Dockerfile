# Production-like image: gunicorn serving the API and the admin, WhiteNoise for static files.
FROM python:3.11-slim-bookworm AS base

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1

RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential pkg-config libmariadb-dev \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# collectstatic reads settings: give it throw-away values, never used at run time.
RUN SECRET_KEY=collectstatic-only-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
    ALLOWED_HOSTS=localhost python manage.py collectstatic --no-input -v0

RUN useradd --system --uid 1000 app && chown -R app /app
USER app

EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py", "dmc_transfers.wsgi"]
