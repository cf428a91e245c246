"""Key custody (钥匙管理): keys of vacant units and owner-entrusted keys, their QR tags, and the
append-only ledger of who took which key, when, and why."""
