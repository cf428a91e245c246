"""Accounts: users, their roles, sessions, sign-in and the guards every endpoint uses."""
