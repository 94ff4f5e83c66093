"""Posture assessments, exercise suggestions and program drafts."""
