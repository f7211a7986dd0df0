"""Staff accounts, roles and their policy, API tokens, the audit chain, and restrict() with its read audit."""
