-- One partner's cases.
-- @param code VARCHAR
SELECT name, cases FROM partners WHERE code = $code
