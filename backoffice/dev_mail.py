"""Placeholder until the development mail page lands."""


def routes() -> list:  # type: ignore[type-arg]
    return []
