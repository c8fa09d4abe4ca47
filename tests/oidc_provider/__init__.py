"""A real OpenID Connect provider (django-oidc-provider) for the end-to-end log-in tests.

It runs as its own Django project in a separate process (see serve.py); the tests start it
on a free 127.0.0.1 port and stop it at the end of the session.
"""
