"""Soft targets: the registry of protected places, risk assessments on versioned scales, measures and the restricted design part."""
