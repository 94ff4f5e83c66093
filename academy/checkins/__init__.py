"""Check-ins, adherence, trends and the coach's dashboard."""
