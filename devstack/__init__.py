"""The local stack: moto's server in-process as AWS, an API Gateway emulation
fed by template.yaml, a stream poller, a scheduler and a seeded demo."""
