"""Supervisor review (审核) of what syncs in: approve locks a record, reject returns it."""
