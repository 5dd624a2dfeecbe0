-- The partners, one page each.
SELECT code, name, cases FROM partners ORDER BY cases
