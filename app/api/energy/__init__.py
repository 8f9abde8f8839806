"""GET /api/v1/energy-data and friends: routes, rendering and the answer they assemble."""
