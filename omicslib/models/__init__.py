"""Model architectures, one module per family (named after what it holds)."""
