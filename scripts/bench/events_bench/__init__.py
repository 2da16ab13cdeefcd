"""scripts/bench-events: figures for the event stream and the reminders (issue 13)."""
