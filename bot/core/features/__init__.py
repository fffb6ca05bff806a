"""One module per feature, each with its command handlers and their declarations."""
