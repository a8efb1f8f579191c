"""OpenLab benchmark harness: ``python -m bench [scenario ...]`` (see README.md)."""
