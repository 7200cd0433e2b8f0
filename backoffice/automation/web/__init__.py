"""The automation pages: a case's targets with the escalate form, and each case type's automation settings."""
