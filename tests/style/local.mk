# tests/style — mechanical gates: banned functions and formatting.
TESTS += tests/style/banned.sh tests/style/format.sh
EXTRA_DIST += tests/style/banned.sh tests/style/format.sh
