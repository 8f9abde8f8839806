"""Our own ENTSO-E Transparency Platform client.

Self-contained: nothing in this package imports from the rest of ``app``.
"""
