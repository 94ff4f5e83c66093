FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    FLASK_APP=wsgi.py

WORKDIR /app
RUN useradd --create-home --uid 1000 academy
COPY pyproject.toml README.md ./
COPY academy ./academy
COPY migrations ./migrations
COPY scripts ./scripts
COPY wsgi.py ./
# Editable, so that the migrations folder next to the package is found.
RUN pip install -e . && chown -R academy /app
USER academy

EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz')"
CMD ["scripts/container-start"]
