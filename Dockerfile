FROM python:3.11-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /srv
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY alembic ./alembic
COPY scripts ./scripts
RUN pip install --no-cache-dir . \
    && useradd --system --home /srv eds && chown -R eds /srv
USER eds
EXPOSE 8000
CMD ["energy-data-service", "serve", "--host", "0.0.0.0", "--port", "8000"]
