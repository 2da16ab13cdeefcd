"""The change log and its fan-out: what the event stream (impl/events/) and the reminders
(impl/reminders/) are built on, and what every write to a user's data appends to."""
