"""Pages of the threat map (public map, report form, districts, staff queue): views, forms, routes."""
