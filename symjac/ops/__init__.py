"""The math: each operation returns a Derivation and never prints."""
