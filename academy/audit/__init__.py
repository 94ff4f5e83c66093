"""The append-only audit log of writes to clients, programs, check-ins and assessments."""
