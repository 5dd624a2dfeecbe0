#!/usr/bin/env python3
"""Writes the sample project's data/*.csv from the seed facts.

The seed articles (see data/README.md) give a handful of hard facts; every
other value is illustrative and says so in its `source` column. The output is
deterministic (a fixed random seed), so re-running this script reproduces the
committed files byte for byte.

Needs: pycountry and babel (for ISO 3166 codes and CLDR country names in
English and Indonesian). Run from the repository root:

    pip install pycountry babel
    python3 tools/make_sample_data.py
"""

import csv
import datetime as dt
import random
from pathlib import Path

import pycountry
from babel import Locale
from babel.core import get_global

DATA = Path(__file__).resolve().parent.parent / "data"
rng = random.Random(2024)

# ---------------------------------------------------------------- countries
# ISO 3166-1 entries that are not sovereign states (territories, dependencies).
NOT_STATES = set(
    "AS AI AQ AW AX BL BM BQ BV CC CK CW CX EH FK FO GF GG GI GL GP GS GU HK HM IM IO JE KY MF MO MP MQ MS "
    "NC NF NU PF PM PN PR RE SH SJ SX TC TF TK TW UM VG VI WF YT".split()
)
MENA = set("DZA BHR EGY IRQ IRN JOR KWT LBN LBY MAR OMN PSE QAT SAU SYR TUN ARE YEM ISR".split())
ZONE_REGION = {
    "Africa": "Africa",
    "America": "Americas",
    "Asia": "Asia and South Pacific",
    "Australia": "Asia and South Pacific",
    "Pacific": "Asia and South Pacific",
    "Europe": "Europe",
}
OTHER_REGION = {"KM": "Africa", "CV": "Africa", "MG": "Africa", "MU": "Africa", "SC": "Africa",
                "MV": "Asia and South Pacific", "IS": "Europe", "PT": "Europe"}
EUROPE_IN_ASIA_ZONES = set("CYP GEO ARM AZE TUR RUS KAZ".split())

en, idn = Locale("en"), Locale("id")
zones = get_global("territory_zones")
countries = []
for c in pycountry.countries:
    if c.alpha_2 in NOT_STATES:
        continue
    zone = (zones.get(c.alpha_2) or ["?"])[0].split("/")[0]
    region = OTHER_REGION.get(c.alpha_2) or ZONE_REGION.get(zone, "Asia and South Pacific")
    if c.alpha_3 in MENA:
        region = "Middle East and North Africa"
    if c.alpha_3 in EUROPE_IN_ASIA_ZONES:
        region = "Europe"
    countries.append({
        "iso3": c.alpha_3,
        "name_en": en.territories.get(c.alpha_2, c.name),
        "name_id": idn.territories.get(c.alpha_2, c.name),
        "region": region,
        "source": "reference: ISO 3166-1 codes, CLDR names",
    })
countries.sort(key=lambda r: r["iso3"])
ISO3 = [c["iso3"] for c in countries]
by_region = {}
for c in countries:
    by_region.setdefault(c["region"], []).append(c["iso3"])

# The 15 countries invited to Seoul (seed 001).
SEOUL_INVITED = ["LAO", "MYS", "USA", "BRN", "VNM", "GBR", "IDN", "JPN", "CHN", "KHM", "CAN", "THA", "PHL", "AUS", "ARE"]
ASEAN = ["BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM"]
PARTNERS = ["AUS", "MYS", "SGP", "THA", "PHL", "JPN", "KOR", "CHN", "USA", "NLD", "GBR", "IND", "VNM", "KHM",
            "FRA", "DEU", "ARE", "SAU", "TUR", "HKG"]
PARTNERS = [p for p in PARTNERS if p in ISO3]

# ------------------------------------------------------------ organisations
organisations = [
    ("INTERPOL", "INTERPOL", "International Criminal Police Organization", "international", "seed:000"),
    ("ASEANAPOL", "ASEANAPOL", "ASEAN Chiefs of National Police", "regional", "seed:001"),
    ("UNODC", "UNODC", "United Nations Office on Drugs and Crime", "international", "seed:001"),
    ("KNPA", "KNPA", "Korean National Police Agency", "national", "seed:001"),
    ("POLRI-DIVHUBINTER", "Divhubinter Polri", "Divisi Hubungan Internasional Polri", "national", "seed:003"),
    ("UN", "PBB", "United Nations", "international", "seed:003"),
    ("POLRES-BONTANG", "Satreskrim Bontang", "Satuan Reserse Kriminal Polres Bontang", "national", "seed:004"),
    ("EUROPOL", "Europol", "European Union Agency for Law Enforcement Cooperation", "regional", "illustrative"),
    ("AFP", "AFP", "Australian Federal Police", "national", "illustrative"),
    ("AFRIPOL", "AFRIPOL", "African Union Mechanism for Police Cooperation", "regional", "illustrative"),
]

# ------------------------------------------------------------------- events
events = []
participants = []


def add_event(event_id, name, kind, city, country, start, end, organiser, source):
    events.append({
        "event_id": event_id, "name": name, "event_type": kind, "city": city, "country_iso3": country,
        "start_date": start, "end_date": end, "organiser_org_id": organiser, "source": source,
    })


def add_participants(event_id, delegates_by_country, source, orgs=()):
    for iso3, delegates in delegates_by_country.items():
        participants.append({"event_id": event_id, "participant_type": "country", "country_iso3": iso3,
                             "org_id": "", "delegates": delegates, "source": source})
    for org in orgs:
        participants.append({"event_id": event_id, "participant_type": "organisation", "country_iso3": "",
                             "org_id": org, "delegates": rng.randint(1, 4), "source": source})


def split_total(total, n, low, high):
    """n integers in [low, high] summing to total."""
    values = [low] * n
    rest = total - low * n
    while rest > 0:
        i = rng.randrange(n)
        if values[i] < high:
            values[i] += 1
            rest -= 1
    return values


# Seed 003: Divhubinter technical working meeting, Serpong, 31 May 2023.
add_event("EV-2023-05-SERPONG", "Rapat Kerja Teknis Divhubinter Polri", "working meeting", "Tangerang Selatan",
          "IDN", "2023-05-31", "2023-05-31", "POLRI-DIVHUBINTER", "seed:003")
add_participants("EV-2023-05-SERPONG", {"IDN": 85}, "illustrative (event: seed:003)")

# Seed 000: INTERPOL conference of NCB heads, Lyon, 23 April 2024: 136 countries, 321 officials, Indonesia 7.
add_event("EV-2024-04-LYON", "INTERPOL Heads of National Central Bureaus Conference", "conference", "Lyon", "FRA",
          "2024-04-23", "2024-04-23", "INTERPOL", "seed:000")
others = [c for c in ISO3 if c not in ("IDN", "FRA", "PRK")]
lyon = ["IDN", "FRA"] + sorted(rng.sample(others, 134))
lyon_delegates = {"IDN": 7, "FRA": 6}
for iso3, n in zip(lyon[2:], split_total(321 - 13, 134, 1, 4)):
    lyon_delegates[iso3] = n
assert len(lyon_delegates) == 136 and sum(lyon_delegates.values()) == 321
for iso3, n in lyon_delegates.items():
    participants.append({"event_id": "EV-2024-04-LYON", "participant_type": "country", "country_iso3": iso3,
                         "org_id": "", "delegates": n,
                         "source": "seed:000" if iso3 == "IDN" else "illustrative (totals: seed:000)"})

# Seed 001: Global Operations Meeting, Seoul, 11-12 November 2025, 15 invited countries plus the host.
add_event("EV-2025-11-SEOUL", "Global Operations Meeting (Operation Breaking Chains)", "operational meeting",
          "Seoul", "KOR", "2025-11-11", "2025-11-12", "KNPA", "seed:001")
seoul = {"KOR": 12}
for iso3 in SEOUL_INVITED:
    seoul[iso3] = rng.randint(2, 4)
for iso3, n in seoul.items():
    participants.append({"event_id": "EV-2025-11-SEOUL", "participant_type": "country", "country_iso3": iso3,
                         "org_id": "", "delegates": n, "source": "illustrative (countries: seed:001)"})
for org in ("INTERPOL", "ASEANAPOL", "UNODC"):
    participants.append({"event_id": "EV-2025-11-SEOUL", "participant_type": "organisation", "country_iso3": "",
                         "org_id": org, "delegates": rng.randint(2, 5), "source": "illustrative (organisations: seed:001)"})

# Illustrative events across 2022-2025: a few each quarter.
RECURRING = [
    # (month, day, days, name, kind, city, country, organiser, size)
    (2, 14, 3, "ASEANAPOL Working Group on Transnational Crime", "working meeting", None, None, "ASEANAPOL", "asean"),
    (3, 7, 2, "Bilateral Police Dialogue Indonesia-Australia", "bilateral meeting", None, None, "AFP", "bilateral:AUS"),
    (5, 16, 3, "INTERPOL Asian Regional Conference", "conference", None, None, "INTERPOL", "asia"),
    (6, 11, 4, "Regional Training on Cyber-Enabled Financial Crime", "training", "Jakarta", "IDN", "INTERPOL", "asia-small"),
    (8, 20, 3, "ASEANAPOL Annual Conference", "conference", None, None, "ASEANAPOL", "asean"),
    (9, 10, 2, "Bilateral Police Dialogue Indonesia-Malaysia", "bilateral meeting", None, None, "POLRI-DIVHUBINTER", "bilateral:MYS"),
    (10, 15, 2, "UNODC Regional Meeting on Trafficking in Persons", "working meeting", "Bangkok", "THA", "UNODC", "asia-small"),
    (11, 18, 4, "INTERPOL General Assembly", "conference", None, None, "INTERPOL", "global"),
    (12, 5, 2, "Rapat Koordinasi Kerja Sama Internasional Polri", "working meeting", "Jakarta", "IDN", "POLRI-DIVHUBINTER", "national"),
]
GA = {2022: ("New Delhi", "IND"), 2023: ("Vienna", "AUT"), 2024: ("Glasgow", "GBR"), 2025: ("Marrakech", "MAR")}
ASEAN_HOSTS = {2022: ("Phnom Penh", "KHM"), 2023: ("Manila", "PHL"), 2024: ("Kuala Lumpur", "MYS"), 2025: ("Bandar Seri Begawan", "BRN")}
ASIA_HOSTS = {2022: ("Singapore", "SGP"), 2023: ("Bangkok", "THA"), 2024: ("Tokyo", "JPN"), 2025: ("Hanoi", "VNM")}
ASIA = [c for c in by_region["Asia and South Pacific"] if c != "PRK"]

for year in range(2022, 2026):
    for month, day, days, name, kind, city, country, organiser, size in RECURRING:
        if name == "Rapat Koordinasi Kerja Sama Internasional Polri" and year == 2025:
            continue
        if size == "global":
            city, country = GA[year]
        elif size == "asean":
            city, country = ASEAN_HOSTS[year] if "Annual" in name else ("Jakarta", "IDN") if year % 2 == 0 else ("Kuala Lumpur", "MYS")
        elif size == "asia":
            city, country = ASIA_HOSTS[year]
        elif size.startswith("bilateral"):
            partner = size.split(":")[1]
            city, country = (("Jakarta", "IDN") if year % 2 == 0 else (("Canberra", "AUS") if partner == "AUS" else ("Kuala Lumpur", "MYS")))
        start = dt.date(year, month, day) + dt.timedelta(days=rng.randint(-3, 3))
        end = start + dt.timedelta(days=days - 1)
        event_id = f"EV-{year}-{month:02d}-{(city or 'X').split()[0].upper()}"
        full_name = f"{name} {year}"
        add_event(event_id, full_name, kind, city, country, start.isoformat(), end.isoformat(), organiser, "illustrative")
        if size == "global":
            pool = [c for c in ISO3 if c not in ("IDN", country, "PRK")]
            n = rng.randint(150, 178)
            chosen = ["IDN", country] + rng.sample(pool, n - 2)
            delegates = {c: rng.randint(1, 5) for c in chosen}
            delegates["IDN"] = rng.randint(8, 14)
            orgs = ["INTERPOL", "UNODC", "EUROPOL", "AFRIPOL", "ASEANAPOL"]
        elif size == "asean":
            delegates = {c: rng.randint(2, 6) for c in ASEAN}
            orgs = ["ASEANAPOL", "INTERPOL"]
        elif size == "asia":
            chosen = set(rng.sample(ASIA, rng.randint(24, 34))) | {"IDN", country}
            delegates = {c: rng.randint(1, 4) for c in sorted(chosen)}
            orgs = ["INTERPOL"]
        elif size == "asia-small":
            chosen = set(rng.sample(ASEAN + ["AUS", "JPN", "KOR", "CHN", "IND"], rng.randint(7, 12))) | {"IDN", country}
            delegates = {c: rng.randint(1, 3) for c in sorted(chosen)}
            orgs = [organiser]
        elif size.startswith("bilateral"):
            delegates = {"IDN": rng.randint(4, 9), size.split(":")[1]: rng.randint(4, 9)}
            orgs = []
        else:  # national
            delegates = {"IDN": rng.randint(60, 120)}
            orgs = []
        delegates["IDN"] = delegates.get("IDN") or rng.randint(2, 6)
        add_participants(event_id, delegates, "illustrative", orgs)

events.sort(key=lambda e: (e["start_date"], e["event_id"]))
participants.sort(key=lambda p: (p["event_id"], p["participant_type"], p["country_iso3"], p["org_id"]))

# --------------------------------------------------------------- operations
operations = [
    # id, name, crime type, lead, start, end, source
    ("OP-HAECHI-IV", "HAECHI IV", "online financial crime", "INTERPOL", "2023-07-01", "2023-11-30", "seed:000"),
    ("OP-STORM-MAKERS-II", "Storm Makers II", "human trafficking", "INTERPOL", "2023-10-01", "2023-10-31", "seed:000"),
    ("OP-BREAKING-CHAINS", "Breaking Chains", "fraud", "KNPA", "2025-11-11", "2025-12-31", "seed:001"),
    ("OP-BONTANG-NARKOBA", "Bontang drug network", "drug trafficking", "POLRES-BONTANG", "2024-07-01", "2024-09-30", "seed:004"),
    ("OP-CORAL-TIDE", "Coral Tide", "drug trafficking", "ASEANAPOL", "2022-02-01", "2022-03-31", "illustrative"),
    ("OP-MONSOON-NET", "Monsoon Net", "online financial crime", "INTERPOL", "2022-05-01", "2022-06-30", "illustrative"),
    ("OP-LINTAS-BATAS", "Lintas Batas", "migrant smuggling", "POLRI-DIVHUBINTER", "2022-09-01", "2022-11-15", "illustrative"),
    ("OP-SILENT-HARBOUR", "Silent Harbour", "online child sexual exploitation", "INTERPOL", "2023-02-01", "2023-03-31", "illustrative"),
    ("OP-JARING-SAMUDRA", "Jaring Samudra", "drug trafficking", "POLRI-DIVHUBINTER", "2024-01-15", "2024-03-15", "illustrative"),
    ("OP-GOLDEN-THREAD", "Golden Thread", "money laundering", "INTERPOL", "2024-04-01", "2024-06-20", "illustrative"),
    ("OP-SAFE-PASSAGE", "Safe Passage", "human trafficking", "UNODC", "2024-10-01", "2024-12-10", "illustrative"),
    ("OP-RED-LANTERN", "Red Lantern", "online financial crime", "INTERPOL", "2025-03-01", "2025-05-31", "illustrative"),
    ("OP-BLUE-CURRENT", "Blue Current", "environmental crime", "INTERPOL", "2025-06-01", "2025-08-31", "illustrative"),
]
results = []


def add_results(op_id, countries_for_op, total_usd_cents, arrests, victims, source):
    shares = [rng.random() ** 2 + 0.02 for _ in countries_for_op]
    scale = total_usd_cents / sum(shares)
    cents = [int(s * scale) for s in shares]
    cents[0] += total_usd_cents - sum(cents)  # exact total
    arrests_split = split_total(arrests, len(countries_for_op), 0, arrests)
    victims_split = split_total(victims, len(countries_for_op), 0, victims) if victims else [0] * len(countries_for_op)
    for iso3, c, a, v in zip(countries_for_op, cents, arrests_split, victims_split):
        results.append({"operation_id": op_id, "country_iso3": iso3,
                        "assets_seized_usd": f"{c // 100}.{c % 100:02d}", "arrests": a, "victims_rescued": v,
                        "source": source})


haechi_pool = ["KOR", "IDN", "PHL", "THA", "VNM", "SGP", "MYS", "KHM", "JPN", "IND", "AUS", "USA", "GBR", "FRA",
               "ESP", "ITA", "DEU", "NLD", "ARE", "CHN", "BRA", "ARG", "COL", "MEX", "ZAF", "NGA", "GHA", "KEN",
               "PAK", "BGD", "LKA", "NPL", "BRN", "LAO"]
assert len(haechi_pool) == 34
add_results("OP-HAECHI-IV", sorted(haechi_pool), 300_000_000 * 100, 3500, 0, "illustrative (total and countries: seed:000)")
add_results("OP-STORM-MAKERS-II", sorted(rng.sample(ASIA + ["ARE", "TUR", "KEN", "NGA"], 27)), 2_400_000_00, 281, 149,
            "illustrative (operation: seed:000)")
add_results("OP-BREAKING-CHAINS", sorted(SEOUL_INVITED + ["KOR"]), 18_750_000_00, 212, 463,
            "illustrative (countries: seed:001)")
add_results("OP-BONTANG-NARKOBA", ["IDN", "MYS", "AUS"], 1_250_000_00, 14, 6, "illustrative (operation: seed:004)")
for op_id, name, crime, lead, start, end, source in operations:
    if source != "illustrative":
        continue
    n = rng.randint(6, 28)
    pool = ASEAN + [c for c in PARTNERS if c not in ASEAN]
    chosen = sorted(set(rng.sample(pool, min(n, len(pool)))) | {"IDN"})
    total = rng.randint(2_000_000, 180_000_000) * 100 + rng.randint(0, 99)
    victims = rng.randint(20, 400) if crime in ("human trafficking", "migrant smuggling", "online child sexual exploitation") else rng.randint(0, 15)
    add_results(op_id, chosen, total, rng.randint(40, 900), victims, "illustrative")

# -------------------------------------------------------------------- cases
CRIME_TYPES = ["fraud", "online financial crime", "drug trafficking", "human trafficking", "money laundering",
               "migrant smuggling", "terrorism", "corruption", "international fugitive"]
cases = []
# Seed 001: 24 fraud and cybercrime cases discussed in Seoul, 8 with sufficient, secured evidence.
for i in range(24):
    partner = SEOUL_INVITED[i % len(SEOUL_INVITED)] if SEOUL_INVITED[i % len(SEOUL_INVITED)] != "IDN" else "KOR"
    opened = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 300))
    cases.append({
        "case_id": f"KS-2025-SEOUL-{i + 1:02d}", "opened_date": opened.isoformat(),
        "crime_type": "fraud" if i % 3 else "online financial crime", "partner_country_iso3": partner,
        "discussed_at_event_id": "EV-2025-11-SEOUL", "operation_id": "OP-BREAKING-CHAINS",
        "evidence_status": "sufficient and secured" if i < 8 else rng.choice(["partial", "insufficient"]),
        "status": "open", "source": "seed:001 (count and evidence); details illustrative",
    })
# Seed 004: Bontang (drug network broken up; trafficking victims traced and rescued).
cases.append({"case_id": "KS-2024-BONTANG-01", "opened_date": "2024-07-08", "crime_type": "drug trafficking",
              "partner_country_iso3": "MYS", "discussed_at_event_id": "", "operation_id": "OP-BONTANG-NARKOBA",
              "evidence_status": "sufficient and secured", "status": "closed",
              "source": "seed:004 (case); date and partner illustrative"})
cases.append({"case_id": "KS-2024-BONTANG-02", "opened_date": "2024-08-19", "crime_type": "human trafficking",
              "partner_country_iso3": "MYS", "discussed_at_event_id": "", "operation_id": "",
              "evidence_status": "sufficient and secured", "status": "closed",
              "source": "seed:004 (case); date and partner illustrative"})
# An illustrative case never joins an event whose case count a seed reports
# (24 in Seoul): it would change that figure. (The draw stays, so that the
# other rows are as before.)
SEEDED_CASE_COUNTS = {"EV-2025-11-SEOUL"}


def not_seeded(event_id):
    return "" if event_id in SEEDED_CASE_COUNTS else event_id


event_ids = [e["event_id"] for e in events]
op_ids = [o[0] for o in operations]
for n in range(1, 131):
    opened = dt.date(2022, 1, 1) + dt.timedelta(days=rng.randint(0, 4 * 365 - 1))
    crime = rng.choice(CRIME_TYPES)
    year_events = [e for e in events if e["start_date"][:4] == str(opened.year) and e["start_date"] >= opened.isoformat()]
    cases.append({
        "case_id": f"KS-{opened.year}-{n:04d}", "opened_date": opened.isoformat(), "crime_type": crime,
        "partner_country_iso3": rng.choice(PARTNERS),
        "discussed_at_event_id": not_seeded(rng.choice(year_events)["event_id"]) if year_events and rng.random() < 0.4 else "",
        "operation_id": "",
        "evidence_status": rng.choices(["sufficient and secured", "partial", "insufficient"], [3, 4, 3])[0],
        "status": rng.choices(["open", "closed", "transferred"], [5, 4, 1])[0],
        "source": "illustrative",
    })
cases.sort(key=lambda c: (c["opened_date"], c["case_id"]))


# -------------------------------------------------------------------- write
def write(name, rows, fields):
    with open(DATA / f"{name}.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        for row in rows:
            w.writerow(row)


write("countries", countries, ["iso3", "name_en", "name_id", "region", "source"])
write("organisations", [dict(zip(["org_id", "acronym", "name", "org_type", "source"], o)) for o in organisations],
      ["org_id", "acronym", "name", "org_type", "source"])
write("events", events, ["event_id", "name", "event_type", "city", "country_iso3", "start_date", "end_date",
                         "organiser_org_id", "source"])
write("event_participants", participants, ["event_id", "participant_type", "country_iso3", "org_id", "delegates", "source"])
write("operations", [dict(zip(["operation_id", "name", "crime_type", "lead_org_id", "start_date", "end_date", "source"], o))
                     for o in operations],
      ["operation_id", "name", "crime_type", "lead_org_id", "start_date", "end_date", "source"])
write("operation_results", results, ["operation_id", "country_iso3", "assets_seized_usd", "arrests", "victims_rescued", "source"])
# INTERPOL's membership as the seeds give it: 195 in 2023 (seed 002), 196 in 2024 (seed 000).
write("interpol_membership", [{"year": 2023, "member_countries": 195, "source": "seed:002"},
                              {"year": 2024, "member_countries": 196, "source": "seed:000"}],
      ["year", "member_countries", "source"])
write("cases", cases, ["case_id", "opened_date", "crime_type", "partner_country_iso3", "discussed_at_event_id",
                       "operation_id", "evidence_status", "status", "source"])
print(f"countries {len(countries)}, events {len(events)}, participants {len(participants)}, "
      f"operations {len(operations)}, results {len(results)}, cases {len(cases)}")
