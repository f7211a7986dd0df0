"""Territory: areas of every kind, the locate(kind, points) index, the gazetteer, officers."""
