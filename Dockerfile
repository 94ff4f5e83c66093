# Python 3.11: the version the lock files are resolved for (scripts/lock).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FLASK_APP=wsgi.py \
    PROMETHEUS_MULTIPROC_DIR=/tmp/academy-metrics

WORKDIR /app
RUN useradd --create-home --uid 1000 academy
# The locked dependencies first, checked against their hashes: this layer is rebuilt
# only when the lock changes.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md wsgi.py gunicorn.conf.py ./
COPY academy ./academy
COPY migrations ./migrations
COPY scripts ./scripts
# Editable, so that the migrations folder next to the package is found.
RUN pip install --no-deps -e . && chown -R academy /app
# The folder of a file:// storage (FILE_STORAGE_PATH). Compose keeps files in its
# object store and mounts the volume of older deployments' files here, for
# `flask academy move-files`; the volume takes this folder's owner.
RUN mkdir -p /var/lib/academy/files && chown academy /var/lib/academy/files
USER academy

EXPOSE 8000
# Ready when it reads and writes the database; /readyz answers within DB_TIMEOUT_SECONDS.
HEALTHCHECK --interval=10s --timeout=10s --start-period=30s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=8)"
CMD ["scripts/container-start"]
