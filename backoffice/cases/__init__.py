"""The case core: case types, cases, workflow and tasks. Plain modules taking a Session; no HTTP."""
