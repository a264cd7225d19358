"""The pure domain: tiers, health, lifecycle, cadence, metrics and the command language.

Nothing here does I/O or imports Textual, SQL or HTTP libraries; `tests/test_layers.py`
proves it.
"""
