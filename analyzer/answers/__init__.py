"""The use cases the commands and the monthly run call; they print nothing."""
