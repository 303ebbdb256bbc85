"""The compatibility checks, one module per area of the API. Every module here is loaded by
suite.py; register checks in it with `harness.check`."""
