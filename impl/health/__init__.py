"""The `health` operations: liveness (the process answers) and readiness (its dependencies do)."""
