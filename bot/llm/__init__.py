"""Chat model backends: the bundled GGUF in-process, or an OpenAI-compatible server."""
