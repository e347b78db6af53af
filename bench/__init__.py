"""`make bench`: AWS requests and latency of the link hot paths (a benchmark, not a test).

See bench/README.md.
"""
