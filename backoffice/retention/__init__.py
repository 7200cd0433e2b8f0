"""Retention schedules: closed cases' personal data and files destroyed when their type's period is over,
after a manager approves the list, unless a legal hold stops it; the statistics are kept."""
