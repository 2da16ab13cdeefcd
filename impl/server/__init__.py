"""The HTTP server around the app: uvicorn with connection-level limits (protocol.py), its
start-up (impl/serve.py) and the metrics endpoint (impl/ops/metrics_server.py)."""
