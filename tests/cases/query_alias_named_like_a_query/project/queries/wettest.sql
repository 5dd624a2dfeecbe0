-- The wettest month: this one does build on monthly.
SELECT * FROM monthly ORDER BY rainy DESC LIMIT 1
