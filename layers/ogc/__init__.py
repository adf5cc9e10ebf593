"""OGC API – Features, vector tiles and exports: the open-standard channels of Trygg."""
