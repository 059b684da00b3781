"""Benchmarks that print measured throughput and memory (run: make benchmark)."""
