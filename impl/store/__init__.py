"""Repository functions: one query each, every one that touches user data scoped to its owner."""
