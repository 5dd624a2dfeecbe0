-- Delegates per country, named by ISO codes of every kind, and codes the map cannot place.
SELECT * FROM (VALUES
    ('IDN', 'Indonesia', 7), ('fr', 'Prancis', 6), ('SGP', 'Singapura', 2), ('036', 'Australia', 3),
    ('TUV', 'Tuvalu', 1), ('XYZ', 'Nowhere', 4), (NULL, 'No code', 1), ('', 'Empty code', 1)
) AS t(code, name, delegates)
