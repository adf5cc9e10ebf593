"""Pure geospatial method for Trygg: no Django, no database.

Everything here works on numpy arrays, shapely geometries and pyproj CRSs, so it can be tested
fast and reused outside the web app.
"""
