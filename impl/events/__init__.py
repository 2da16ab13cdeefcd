"""The `events` operations: the caller's live, resumable change stream (Server-Sent Events)
and the single-use tickets that let a browser's EventSource open it."""
