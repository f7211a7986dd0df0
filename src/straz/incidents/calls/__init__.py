"""§12 call forwarding: which centre is competent for a call, and when the OPIS must get a copy."""
