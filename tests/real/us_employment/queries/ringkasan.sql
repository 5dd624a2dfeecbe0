-- Angka utama periode: pekerja non-pertanian di bulan terakhir periode dan
-- periode sebelumnya (ribu), perubahan bersih, dan bulan dengan PHK bersih.
-- @param period_start DATE = 1900-01-01
-- @param period_end DATE = 9999-12-31
-- @param previous_start DATE = 1800-01-01
-- @param previous_end DATE = 1800-12-31
SELECT
    count(*) FILTER (WHERE month BETWEEN $period_start AND $period_end) AS bulan,
    arg_max(nonfarm, month) FILTER (WHERE month BETWEEN $period_start AND $period_end) AS nonfarm_akhir,
    arg_max(nonfarm, month) FILTER (WHERE month BETWEEN $previous_start AND $previous_end) AS nonfarm_akhir_sebelumnya,
    sum(nonfarm_change) FILTER (WHERE month BETWEEN $period_start AND $period_end) AS perubahan_bersih,
    sum(nonfarm_change) FILTER (WHERE month BETWEEN $previous_start AND $previous_end) AS perubahan_bersih_sebelumnya,
    count(*) FILTER (WHERE month BETWEEN $period_start AND $period_end AND nonfarm_change < 0) AS bulan_turun,
    min(nonfarm_change) FILTER (WHERE month BETWEEN $period_start AND $period_end) AS perubahan_terburuk,
    arg_max(professional_and_business_services, month) FILTER (WHERE month BETWEEN $period_start AND $period_end)
        AS professional_and_business_services,
    arg_max(private, month) FILTER (WHERE month BETWEEN $period_start AND $period_end)
        / arg_max(nonfarm, month) FILTER (WHERE month BETWEEN $period_start AND $period_end) AS pangsa_swasta
FROM us_employment
