"""Web push: subscriptions, a durable outbox fed by domain events and overdue checks, and a
sender that encrypts (RFC 8291) and signs (VAPID, RFC 8292) every message."""
