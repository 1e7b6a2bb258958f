"""The bottom layer: errors, the values every layer passes, the default limits."""

__version__ = "0.1.0"
