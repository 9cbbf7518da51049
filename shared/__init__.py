"""Code both services import: models, config, auth rules, providers and conversation logic.

Nothing in this package imports a web framework.
"""
