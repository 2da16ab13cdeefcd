"""The attack suite: one module per attack of issue 4, each asserting the safe answer."""
