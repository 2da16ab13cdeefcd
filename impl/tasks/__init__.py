"""The `tasks` operations and their rules: fields and recurrence, listing (filters, sort
orders, keyset pages, delta sync), writes with ETags and Idempotency-Keys, batches, and the
repository queries, every one scoped to the owner.
"""
