"""Capture: the public GOV.UK forms through which people send requests, complaints and enquiries."""
