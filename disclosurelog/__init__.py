"""Disclosure Log: the public searches responses that caseworkers have published."""
