"""Jobs that run inside the service (the APScheduler collection scheduler)."""
