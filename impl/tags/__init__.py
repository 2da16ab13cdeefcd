"""The `tags` operations: the caller's tags with how many tasks carry each."""
