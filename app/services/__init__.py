"""Services: the collection pipeline (collect, stay current, heal) and the gap finder."""
