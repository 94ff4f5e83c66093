"""A client's progress, read across domains: adherence, trends (with the cadence of the
client's activities), training load, the coach's dashboard (with unread messages and the
plan's conflicts) and the figures of the client list.

It sits above check-ins, messages, the plan's guard and activities, and imports each of
them directly. The blueprint is in ``routes.py``; the app factory registers it.
"""
