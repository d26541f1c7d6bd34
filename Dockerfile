# qomon-mcp as a remote connector: `qomon-mcp serve` (Streamable HTTP at /mcp, OAuth).
# Build: docker build -t qomon-mcp .
# Run:   docker run -p 8000:8000 -e QOMON_PUBLIC_URL=https://mcp.example.org \
#          -e QOMON_MCP_SECRET=k1:<48+ random characters> qomon-mcp
# Checked by `make image-test` (scripts/image_test.sh): built and run with podman, no Docker daemon.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY qomon_mcp ./qomon_mcp
COPY tools ./tools
COPY prompts ./prompts
RUN python -m venv /opt/qomon-mcp && /opt/qomon-mcp/bin/pip install .

FROM python:3.11-slim
# The venv only: no compiler, no sources, no pip cache in the final image.
COPY --from=build /opt/qomon-mcp /opt/qomon-mcp
# A numeric user (and group) in USER: a runtime or a policy that checks "runs as non-root" can
# tell without reading the image's /etc/passwd (Kubernetes' runAsNonRoot needs a number).
RUN groupadd --system --gid 10001 qomon \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin qomon
USER 10001:10001
ENV PATH=/opt/qomon-mcp/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    QOMON_HOST=0.0.0.0 \
    QOMON_PORT=8000
EXPOSE 8000
# No curl in a slim image: the interpreter that is already there does the check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request as u; port = os.environ.get('QOMON_PORT', '8000'); sys.exit(u.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=4).status != 200)"]
ENTRYPOINT ["qomon-mcp", "serve"]
