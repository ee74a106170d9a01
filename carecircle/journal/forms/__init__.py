"""Journal forms, one module per area; validation itself lives in payloads.py."""
