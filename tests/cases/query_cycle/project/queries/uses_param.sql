-- Builds on a parameterised query.
SELECT count(*) FROM with_param
