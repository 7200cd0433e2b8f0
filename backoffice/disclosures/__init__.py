"""The Disclosure Log's domain: publishing answered FOI and EIR requests, checking them for personal data,
approving, amending and withdrawing them, and the search the public log and Capture read through the front door."""
