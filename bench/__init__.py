"""Benchmarks: run `python -m bench.bench_stream` from the repository root (bench/README.md)."""
