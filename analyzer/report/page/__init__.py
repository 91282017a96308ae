"""The monthly HTML page: template, charts, tables and the sections they fill."""
