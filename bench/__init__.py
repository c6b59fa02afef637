"""Benchmarks of Mixtral Desktop against bare Qt and raw requests: ``python -m bench``."""
