"""Renderers of a computed ReportData: the HTML page (template, charts) and the workbook."""
