"""Harness for cross-cutting tests: a real Straz server in a subprocess, a browser, probes."""
