-- With a parameter.
-- @param x INTEGER = 1
SELECT * FROM t WHERE a >= $x
