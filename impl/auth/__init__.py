"""Who the caller is: the `auth` operations (register, login, refresh, logout), access and
refresh tokens, password hashing and policy, external identity providers, user accounts, and
the `CurrentUser` dependency every other domain authenticates with.
"""
