-- The previous period's rain.
-- @param previous_start DATE
-- @param previous_end DATE
SELECT sum(precipitation) AS rain, count(*) AS days FROM weather WHERE date BETWEEN $previous_start AND $previous_end
