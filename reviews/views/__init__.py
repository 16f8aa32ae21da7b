"""Pages of the Reviews tab: thin views over selectors (reads) and services (writes), in
modules by concern (meetings, actions, records; `common` holds what they share)."""
