# The yibao gateway image: the gateway and the admin API only (no Spark: pip install "yibao[spark]"
# in a batch image). Built from the source tree:  docker build -t yibao .
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
COPY policies ./policies
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
# pg_dump/pg_restore for `yibao backup` / `yibao restore` against PostgreSQL
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home-dir /var/lib/yibao --create-home --shell /usr/sbin/nologin yibao
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER yibao
WORKDIR /var/lib/yibao
ENV YIBAO_LOG_FORMAT=json \
    YIBAO_ACCESS_LOG=1 \
    PYTHONUNBUFFERED=1
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health/ready', timeout=2).status != 200)"
ENTRYPOINT ["yibao"]
# The production default: no migration at start (run `yibao db upgrade` as its own step).
CMD ["serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2", "--no-migrate"]
