"""The alarm levels of Decree 328/2001: the pure rules, their texts, whom a declaration tells and how."""
