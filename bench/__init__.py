"""The benchmark harness of issue 7: `make bench` (README, Performance)."""
