# tests/style — mechanical gates.
