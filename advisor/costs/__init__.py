"""Cost estimator: a dated price sheet, line items per approach, break-even, sensitivity."""
