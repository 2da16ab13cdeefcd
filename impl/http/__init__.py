"""HTTP plumbing every domain shares: problem documents and their handlers, middleware (request
ids, body limits, HEAD), CORS, content negotiation, conditional requests, cursors, rate limits
and the self-hosted docs. Imports impl.db and impl.settings at most, never a domain package.
"""
