-- Victims and cases per unit: small counts among them, a zero, a missing value.
SELECT * FROM (VALUES
    ('North', 3, 40), ('South', 12, 35), ('East', 0, 8), ('West', 7, 2), ('Centre', NULL, 1), ('Coast', 1, 20)
) AS t(unit, victims, cases)
