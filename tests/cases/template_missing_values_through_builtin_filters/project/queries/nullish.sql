-- Rows with nulls, NaN and inf.
SELECT * FROM (VALUES
  (1, 'a', NULL::INTEGER, 0.0::DOUBLE/0.0, 1.0::DOUBLE/0.0, DATE '2025-01-01', NULL::VARCHAR),
  (2, 'b', 5, 1.5::DOUBLE, 2.0::DOUBLE, NULL::DATE, 'x'),
  (3, NULL, 7, NULL::DOUBLE, -1.0::DOUBLE/0.0, DATE '2025-03-01', 'y')
) AS t(id, name, n, ratio, big, d, tag)
