"""The database: engines and per-request sessions, the table models, Alembic migrations.

Nothing here knows about HTTP or about a domain's rules; domain packages (impl/tasks/...)
import from here, never the reverse.
"""
