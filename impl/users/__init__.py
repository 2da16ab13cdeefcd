"""The `users` operations: the caller's own account (read it, change its password, delete it)."""
