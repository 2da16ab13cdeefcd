"""The `lists` operations: the caller's lists of tasks, their order and their task counts."""
