"""The finance workbook: sheets of facts and formulas laid out from ReportData."""
