"""Straz: public-safety platform for cities, police and the integrated rescue system."""

__version__ = "0.1.0"
