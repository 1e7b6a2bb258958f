"""The default limits: one home for each, read by the options, the library and isolation."""

DEFAULT_TIMEOUT = 10.0  # seconds for one command (or one problem of a file)
