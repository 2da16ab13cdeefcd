"""Generated from openapi.yaml by scripts/generate. Do not edit by hand."""
