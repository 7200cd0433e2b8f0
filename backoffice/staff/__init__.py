"""Staff accounts, roles and API clients of the back office."""
