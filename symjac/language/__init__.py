"""The one reader of user text (notation, LaTeX, the parser) and the printers that read back."""
