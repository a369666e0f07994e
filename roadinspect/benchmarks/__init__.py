"""Benchmark commands (``roadinspect bench ...``): measured figures, never timed tests."""
