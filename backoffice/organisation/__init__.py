"""The organisation running the service: the body itself (its nation, which sets the bank holidays
and the Scottish laws; the staff email domains), its published contacts, and the administrator's
bank-holiday adjustments that every deadline is computed with.
"""
