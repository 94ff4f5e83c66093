# The S3-compatible object store of docker-compose.yml: nanio (buckets are folders of
# its /data volume, every request checked with AWS Signature V4), the same server
# Academy's test suite runs, at the version requirements-dev.lock holds.
FROM python:3.11-slim

ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN pip install "nanio==0.1.7" \
    && useradd --create-home --uid 1000 nanio \
    && mkdir /data && chown nanio /data
USER nanio
EXPOSE 9000
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
  CMD python -c "import socket; socket.create_connection(('127.0.0.1', 9000), 3)"
CMD ["nanio", "serve", "--data-dir", "/data", "--host", "0.0.0.0", "--port", "9000"]
