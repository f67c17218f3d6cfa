"""The test-double controls under /_double: users export and import, faults, clock, journal, reset."""
