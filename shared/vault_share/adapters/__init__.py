"""AWS clients behind small interfaces, created once per container.

Each adapter takes its boto3 client in the constructor, so tests pass their
own; `default_*()` builds the container-wide instance from the settings.
"""
