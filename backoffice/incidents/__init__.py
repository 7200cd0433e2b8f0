"""P1–P5 incidents on the public services and the case management core, measured in service hours.

Not a kind of case: an incident has its own clocks (elapsed service time, not working days), its own people
(the body's major-incident contacts, not a requester) and its own reports (availability, target attainment,
the service report). Probes raise incidents as staff do, through :mod:`backoffice.incidents.incidents`.
"""
