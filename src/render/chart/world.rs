//! The world's countries as the map draws them: Natural Earth's 1:110m
//! shapes, projected (Equal Earth) and simplified once by `world/generate.py`
//! into `world/countries.tsv`, which is compiled into laporan (about
//! 80 KB). Every ISO 3166-1 country and territory is listed, with its
//! alpha-3, alpha-2 and numeric codes, an English name, a point inside it
//! (where a small state gets a marker) and its outline, if it has one at
//! that scale. Sources and licences: `world/NOTICE.md`.

use std::sync::OnceLock;

const TABLE: &str = include_str!("world/countries.tsv");

/// One country or territory.
#[derive(Debug)]
pub struct Country {
    pub iso3: &'static str,
    pub iso2: &'static str,
    pub numeric: &'static str,
    pub name: &'static str,
    /// A point inside it, in the map's coordinates.
    pub point: Option<(f64, f64)>,
    /// Too small to see as a shape: drawn as a marker at `point`.
    pub small: bool,
    /// SVG path data; empty when it has no shape at 1:110m.
    pub path: &'static str,
}

pub struct World {
    pub countries: Vec<Country>,
    pub width: f64,
    pub height: f64,
}

/// The bundled world, read once.
pub fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let mut lines = TABLE.lines();
        let header = lines.next().expect("the table has a header");
        let setting = |name: &str| -> f64 {
            header
                .split('\t')
                .find_map(|field| field.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
                .expect("the header gives the view box")
        };
        let countries = lines
            .filter(|line| !line.is_empty())
            .map(|line| {
                let fields: Vec<&'static str> = line.split('\t').collect();
                let point = match (fields[4].parse::<f64>(), fields[5].parse::<f64>()) {
                    (Ok(x), Ok(y)) => Some((x, y)),
                    _ => None,
                };
                Country {
                    iso3: fields[0],
                    iso2: fields[1],
                    numeric: fields[2],
                    name: fields[3],
                    point,
                    small: fields[6] == "1",
                    path: fields.get(7).copied().unwrap_or_default(),
                }
            })
            .collect();
        World { countries, width: setting("viewbox_width"), height: setting("viewbox_height") }
    })
}

impl World {
    /// The country a code names: ISO alpha-3 (`IDN`), alpha-2 (`ID`) or
    /// numeric (`360`, `36` for `036`), any letter case, spaces around
    /// ignored.
    pub fn find(&self, code: &str) -> Option<&Country> {
        let code = code.trim();
        if code.is_empty() {
            return None;
        }
        if code.bytes().all(|b| b.is_ascii_digit()) {
            let number: u32 = code.parse().ok()?;
            let padded = format!("{number:03}");
            return self.countries.iter().find(|c| c.numeric == padded);
        }
        match code.len() {
            3 => self.countries.iter().find(|c| c.iso3.eq_ignore_ascii_case(code)),
            2 => self.countries.iter().find(|c| c.iso2.eq_ignore_ascii_case(code)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::world;

    #[test]
    fn every_country_is_found_by_each_of_its_codes() {
        let world = world();
        assert!(world.countries.len() >= 249, "{}", world.countries.len());
        assert_eq!(world.width, 1000.0);
        for country in &world.countries {
            assert_eq!(world.find(country.iso3).map(|c| c.iso3), Some(country.iso3));
            assert_eq!(world.find(&country.iso2.to_lowercase()).map(|c| c.iso3), Some(country.iso3));
            if !country.numeric.is_empty() {
                assert_eq!(world.find(country.numeric).map(|c| c.iso3), Some(country.iso3));
            }
        }
        assert_eq!(world.find("36").map(|c| c.iso3), Some("AUS"));
        assert_eq!(world.find(" idn ").map(|c| c.name), Some("Indonesia"));
        assert!(world.find("XYZ").is_none() && world.find("").is_none() && world.find("9999").is_none());
        let singapore = world.find("SGP").unwrap();
        assert!(singapore.small && singapore.point.is_some(), "a small state has a marker");
        assert!(!world.find("FRA").unwrap().path.is_empty());
    }
}
