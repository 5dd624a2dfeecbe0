-- Cases in one region.
-- @param region VARCHAR
-- @param top INTEGER = 10
SELECT country, cases FROM cases WHERE region = $region ORDER BY cases DESC LIMIT $top
