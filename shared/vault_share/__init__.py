"""vault-share domain package, shipped as the Lambda layer.

One sub-package per capability (vault, links, journal; invitations to come), each with
its models, rules and storage access; `api` holds the HTTP glue shared by the
handlers and `adapters` the AWS clients behind small interfaces.
"""
