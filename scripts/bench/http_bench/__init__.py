"""The HTTP benchmark of scripts/bench-http; `python -m scripts.bench.http_bench --help`."""
