"""The public map: H3 cell aggregates kept exact on write and the viewport API."""
