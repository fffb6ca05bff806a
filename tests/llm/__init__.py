"""The OpenAI-compatible backend against a local scripted server speaking the real SSE format."""
