"""tasks-api: the hand-written implementation of the contract in openapi.yaml."""
