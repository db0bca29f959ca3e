"""Datasets, layers and features imported from the city's open GIS data (to come)."""
