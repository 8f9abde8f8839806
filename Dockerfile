# syntax=docker/dockerfile:1
# The service's image: dependencies from requirements/run.lock (hash-checked, wheels only), no
# embedded PostgreSQL (the optional `embedded` extra): the image always runs against a configured
# database (DATABASE_URL or DATABASE__HOST). Build: docker build -t energy-data-service .
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: a virtual environment with the locked dependencies and the service ----------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /build
RUN python -m venv /opt/venv
# The lock alone first: this layer is rebuilt only when the dependencies change.
COPY requirements/run.lock requirements/run.lock
RUN /opt/venv/bin/pip install --require-hashes --only-binary=:all: -r requirements/run.lock
COPY pyproject.toml README.md ./
COPY app ./app
RUN /opt/venv/bin/pip wheel --no-deps --wheel-dir /build/dist . \
    && /opt/venv/bin/pip install --no-deps /build/dist/*.whl

# --- runtime: the environment and the migrations, nothing else ---------------------------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    ENVIRONMENT=production \
    API__HOST=0.0.0.0 \
    API__PORT=8000
RUN useradd --system --uid 10001 --home-dir /srv --shell /usr/sbin/nologin eds
# alembic.ini and alembic/ are found in the working directory (app/db/migrations.py).
WORKDIR /srv
COPY --from=build /opt/venv /opt/venv
COPY alembic.ini ./
COPY alembic ./alembic
USER eds
EXPOSE 8000
# Ready means the database answers and its schema is at the newest migration (503 otherwise).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=4 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('API__PORT', '8000')}/ready\", timeout=4)"]
CMD ["energy-data-service", "serve"]
