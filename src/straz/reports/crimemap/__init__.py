"""The Czech police crime-map open data: streaming readers, pure rules and the importer."""
