"""Staff pages of the IZS wing: views, forms and URLs (templates stay in templates/incidents/)."""
