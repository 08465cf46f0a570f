"""Provider adapters, the model catalog and provider connections.

Adapters (one module per wire protocol) speak HTTP and know nothing of
Django models; see ``registry.py`` for the kind → adapter map.
"""
