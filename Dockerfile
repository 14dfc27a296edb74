# Qiyou in one image: `qiyou serve --roles ...` runs any role (docs/operations.md).
# Stage 1 builds the web app (web/ -> web/dist, as `make web` does); stage 2 installs the
# project into a virtual environment; stage 3 is the slim runtime with both, as a non-root user.

FROM node:20-bookworm-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY web/ ./
RUN npm run build

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/qiyou/venv
COPY pyproject.toml README.md ./
COPY api/ api/
COPY schema/ schema/
COPY mailcore/ mailcore/
# The project's own dependencies are pinned exactly in pyproject.toml; no test extras.
RUN /opt/qiyou/venv/bin/pip install --no-cache-dir .

FROM python:3.11-slim-bookworm
ENV PATH=/opt/qiyou/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    QIYOU_DATA_DIR=/var/lib/qiyou \
    QIYOU_HOST=0.0.0.0
RUN groupadd --system --gid 10001 qiyou \
    && useradd --system --uid 10001 --gid qiyou --home-dir /var/lib/qiyou \
        --shell /usr/sbin/nologin qiyou \
    && install -d -o qiyou -g qiyou -m 0750 /var/lib/qiyou
COPY --from=build /opt/qiyou/venv /opt/qiyou/venv
# api/routes_web.py serves <site-packages>/web/dist (the directory beside the api package).
COPY --from=web /src/web/dist /opt/qiyou/venv/lib/python3.11/site-packages/web/dist
COPY deploy/healthcheck.py /opt/qiyou/healthcheck.py
# The qiyou user, by number so that Kubernetes' runAsNonRoot can check it.
USER 10001:10001
WORKDIR /var/lib/qiyou
VOLUME ["/var/lib/qiyou"]
# HTTP, SMTP MX, submission (STARTTLS), submissions (TLS), IMAP, IMAPS, POP3, POP3S
EXPOSE 8025 2525 5587 4465 1143 1993 1110 1995
# /health/live on the HTTP port, or on QIYOU_METRICS_PORT for processes without the http role.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "/opt/qiyou/healthcheck.py"]
ENTRYPOINT ["qiyou"]
CMD ["serve"]
