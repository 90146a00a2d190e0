"""Use cases. Each is one transaction; authorisation happens here, for every entry point."""
