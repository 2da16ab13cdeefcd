"""Idempotency-Key for any operation that creates or changes something: the key is claimed in
the request's transaction and the response stored in the same one (`requests.py`), in the
`idempotency_keys` table (`keys.py`). Used by tasks and lists."""
