"""HTTP API: app factory, request dependencies and routers."""
