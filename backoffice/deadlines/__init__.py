"""The case clock: the one service the case core, the staff pages, the API and Capture ask about deadlines.

It joins the pure engine in ``backoffice.clocks`` (rules, calendars, no database) to the stored case:

- ``rules``: the effective rule of a case type, as the body's nation applies it (FOI is FOISA in Scotland);
- ``due_dates``: the due date of a new case and of a case with its clock events;
- ``state``: the clock state (running, stopped and why, extended) the case page and the API both show;
- ``actions``: extend, stop, restart and clarification, each an appended, audited clock event;
- ``permissions``: who may stop or extend a clock, per case type;
- ``in_words``: a rule's time limit in plain words, for a public start page.

Modules take a Session and never commit.
"""
