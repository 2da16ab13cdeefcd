"""The `reminders` operation, and the background loop that fires due reminders as
`reminder.due` events, exactly once each, whichever instance claims them."""
