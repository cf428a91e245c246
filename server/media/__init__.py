"""Photos: content-addressed upload (PUT /api/media/<sha256>), normalized storage, scoped reads."""
