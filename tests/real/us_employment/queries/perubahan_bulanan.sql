-- Perubahan bulanan jumlah pekerja non-pertanian (ribu) dalam periode.
-- @param period_start DATE = 1900-01-01
-- @param period_end DATE = 9999-12-31
SELECT
    strftime(month, '%Y-%m') AS bulan,
    nonfarm,
    nonfarm_change AS perubahan
FROM us_employment
WHERE month BETWEEN $period_start AND $period_end
ORDER BY month
