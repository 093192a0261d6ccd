"""Test and benchmark tooling that drives the real product; the product never imports it.

`simlog` fills the event log and the analytics projection from a simulated or synthetic day, for
the analytics tests and `bench/analytics.py`. The layering test (tests/unit/test_layering.py)
keeps `guichet` from importing this package.
"""
