"""csm-tui: a keyboard-driven terminal app for Customer Success Managers.

Kept empty on purpose: importing the package must stay cheap (startup is a budget).
"""

__version__ = "0.1.0"
