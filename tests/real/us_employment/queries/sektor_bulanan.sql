-- Jumlah pekerja (ribu) per sektor per bulan, dalam bentuk panjang: satu
-- baris per bulan dan sektor. Dasar bagi kueri per sektor.
SELECT
    month AS bulan,
    sektor,
    CASE sektor
        WHEN 'mining_and_logging' THEN 'Pertambangan dan penebangan'
        WHEN 'construction' THEN 'Konstruksi'
        WHEN 'manufacturing' THEN 'Manufaktur'
        WHEN 'trade_transportation_utilties' THEN 'Perdagangan, transportasi dan utilitas'
        WHEN 'information' THEN 'Informasi'
        WHEN 'financial_activities' THEN 'Keuangan'
        WHEN 'professional_and_business_services' THEN 'Jasa profesional dan bisnis'
        WHEN 'education_and_health_services' THEN 'Pendidikan dan kesehatan'
        WHEN 'leisure_and_hospitality' THEN 'Rekreasi dan perhotelan'
        WHEN 'other_services' THEN 'Jasa lainnya'
        WHEN 'government' THEN 'Pemerintah'
    END AS nama_sektor,
    pekerja
FROM us_employment
UNPIVOT (pekerja FOR sektor IN (
    mining_and_logging, construction, manufacturing, trade_transportation_utilties,
    information, financial_activities, professional_and_business_services,
    education_and_health_services, leisure_and_hospitality, other_services, government
))
