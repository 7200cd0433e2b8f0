"""Staff accounts, roles, groups, sign-in and API clients of the back office, with their commands and tidying."""
