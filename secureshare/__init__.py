"""Secure Share: requesters download their response documents through a time-limited link."""
