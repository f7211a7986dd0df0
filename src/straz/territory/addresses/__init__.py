"""Address points: the RÚIAN import, typo-tolerant search and routing to the police district."""
