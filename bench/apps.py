from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmark: no models; installed for its ``generate_consortium`` command. Production
    code never imports it (an import-linter contract, docs/architecture.md)."""

    name = "bench"
    verbose_name = "Benchmark"
