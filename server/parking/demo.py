"""The demo parking master data: gates, the demo tariffs, exemption reasons, denominations."""

from __future__ import annotations

from server.parking.tariff import TariffRules

# The demo tariff of issue 16, small cars: a whole stay of at most 30 min is free; otherwise 24-h
# periods from entry, each at the 20-yuan cap, and a remainder at 5 yuan for its first 2 h and
# 2 yuan per started hour after, at most the cap.
DEMO_SMALL = TariffRules(
    free_minutes=30,
    first_period_minutes=120,
    first_period_fen=500,
    unit_minutes=60,
    unit_fen=200,
    cap_fen=2000,
    cap_per="24h",
    lost_ticket_fen=1000,
)
# Large vehicles: the issue names no free minutes for them, so none (taken literally).
DEMO_LARGE = TariffRules(
    free_minutes=0,
    first_period_minutes=120,
    first_period_fen=1000,
    unit_minutes=60,
    unit_fen=400,
    cap_fen=4000,
    cap_per="24h",
    lost_ticket_fen=1000,
)
DEMO_TARIFFS = {"small": DEMO_SMALL, "large": DEMO_LARGE}
