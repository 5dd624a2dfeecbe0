-- Seizures and cases by month, as recorded: out of order, and March and April
-- have no row.
SELECT month, seized_usd, cases FROM monthly
