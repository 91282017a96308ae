"""Recognise and normalise every input file; problems kept as records."""
