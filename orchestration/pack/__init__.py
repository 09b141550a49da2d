"""The board pack: the quarterly dashboard as a report (HTML, PDF, XLSX), from the
published marts."""
