"""Benchmarks: timings against a reference, never assertions. See bench/README.md."""
