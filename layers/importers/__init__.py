"""Importers: files in, validated rows in PostGIS out, each import a batch that lands whole or not at all."""
