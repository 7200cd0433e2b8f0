"""Intake: how a request becomes a case.

``forms`` holds the intake form definitions an administrator edits (the questions a public form
asks for each case type); ``new_cases`` turns a validated request, from a public form, the staff
"log a new case" page or the API, into a case with its reference, due date, team, tasks and
attachments, in the caller's transaction.
"""
