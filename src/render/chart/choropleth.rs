//! A world map whose countries are coloured by a value (a choropleth), as
//! one inline `<svg>`: the bundled shapes ([`super::world`]), a few classes
//! of one blue from light to dark (the legend is HTML under it, legible at
//! any width), small states as markers,
//! each country's name and value in a `<title>`. Without values, the
//! countries listed are shown in one colour ("included").

use std::fmt::Write as _;

use super::world::{Country, world};
use super::{FONT, ValueFormat};
use crate::locale::Locale;
use crate::render::markdown::escape_html;

/// Light to dark: a class's colour is taken from along it.
const RAMP: [&str; 7] = ["#d3e2f1", "#a9c6e4", "#7ea8d4", "#5189c2", "#2e69a6", "#1b4c85", "#0e325f"];
/// Countries without a value.
const NO_DATA: &str = "#e4e7ec";
/// The most classes a map shows.
pub const MAX_CLASSES: usize = RAMP.len();

/// A country on the map and its value (`None`: listed without a value).
pub struct Placed<'a> {
    pub country: &'a Country,
    /// Its name as the report writes it.
    pub name: String,
    pub value: Option<f64>,
}

pub struct Map<'a> {
    pub title: String,
    pub description: Option<String>,
    pub placed: Vec<Placed<'a>>,
    /// Whether the countries carry values (else they are only listed).
    pub valued: bool,
    pub classes: usize,
    pub format: ValueFormat,
    pub locale: Locale,
    pub id: String,
}

/// A class: the values from `low` to `high` (as found in the data).
struct Class {
    low: f64,
    high: f64,
    colour: &'static str,
}

impl Map<'_> {
    /// The classes of the values: one per distinct value when there are
    /// few, else by quantiles, each labelled with the lowest and highest
    /// value in it.
    fn classes(&self) -> Vec<Class> {
        let mut values: Vec<f64> = self.placed.iter().filter_map(|p| p.value).filter(|v| v.is_finite()).collect();
        values.sort_by(f64::total_cmp);
        let mut distinct = values.clone();
        distinct.dedup();
        let wanted = self.classes.clamp(1, MAX_CLASSES);
        let bounds: Vec<(f64, f64)> = if distinct.len() <= wanted {
            distinct.iter().map(|v| (*v, *v)).collect()
        } else {
            // Break at quantiles; a break value starts its class.
            let mut starts: Vec<f64> = (0..wanted).map(|k| values[k * values.len() / wanted]).collect();
            starts.dedup();
            starts
                .iter()
                .enumerate()
                .map(|(i, start)| {
                    let next = starts.get(i + 1);
                    let high = values
                        .iter()
                        .copied()
                        .filter(|v| v >= start && next.is_none_or(|n| v < n))
                        .fold(*start, f64::max);
                    (*start, high)
                })
                .collect()
        };
        let n = bounds.len();
        bounds
            .into_iter()
            .enumerate()
            .map(|(i, (low, high))| {
                let at = if n == 1 { 4 } else { (i * (RAMP.len() - 1) + (n - 1) / 2) / (n - 1) };
                Class { low, high, colour: RAMP[at.min(RAMP.len() - 1)] }
            })
            .collect()
    }

    fn class_of(classes: &[Class], value: f64) -> Option<usize> {
        classes.iter().rposition(|c| value >= c.low)
    }

    /// Each class's legend label: short (`840k–1.3M`), unless two labels
    /// would read the same or a range would collapse into one number; then
    /// the values as the tooltips write them.
    fn legend_labels(&self, classes: &[Class]) -> Vec<String> {
        let label = |class: &Class, write: &dyn Fn(f64) -> String| {
            let (low, high) = (write(class.low), write(class.high));
            if class.low == class.high {
                return Some(low);
            }
            if low == high {
                return None;
            }
            // The currency once: `USD 840k–1.3M`.
            let high = match &self.format {
                ValueFormat::Money(currency) => {
                    let symbol = format!("{} ", crate::render::format::currency_symbol(currency));
                    high.strip_prefix(&symbol).map_or(high.clone(), str::to_owned)
                }
                _ => high,
            };
            Some(format!("{low}–{high}"))
        };
        let short: Option<Vec<String>> =
            classes.iter().map(|c| label(c, &|v| self.format.short(v, self.locale))).collect();
        match short {
            Some(labels) if labels.windows(2).all(|w| w[0] != w[1]) => labels,
            _ => classes
                .iter()
                .map(|c| {
                    label(c, &|v| self.format.text(v, self.locale))
                        .unwrap_or_else(|| self.format.text(c.low, self.locale))
                })
                .collect(),
        }
    }

    /// The legend, as HTML under the map (legible at any width): a swatch
    /// and a label per class, then "no data".
    pub fn legend(&self) -> String {
        let words = self.locale.words();
        let mut entries: Vec<(&str, String)> = if self.valued {
            let classes = self.classes();
            let labels = self.legend_labels(&classes);
            classes.iter().zip(labels).map(|(c, l)| (c.colour, l)).collect()
        } else {
            vec![(RAMP[4], words.helpers.included.to_owned())]
        };
        entries.push((NO_DATA, words.helpers.no_value.to_owned()));
        let mut out = String::from("<ul class=\"legend\">");
        for (colour, label) in entries {
            let _ = write!(out, "<li><span class=\"swatch\" style=\"background: {colour}\"></span>");
            escape_html(&label, &mut out);
            out.push_str("</li>");
        }
        out.push_str("</ul>\n");
        out
    }

    /// The map as one `<svg>` element, without blank lines.
    pub fn svg(&self) -> String {
        let world = world();
        let classes = if self.valued { self.classes() } else { Vec::new() };
        let colour_of = |placed: &Placed<'_>| -> (&'static str, usize) {
            match placed.value {
                _ if !self.valued => (RAMP[4], 1),
                Some(v) if v.is_finite() => match Self::class_of(&classes, v) {
                    Some(i) => (classes[i].colour, i + 1),
                    None => (NO_DATA, 0),
                },
                _ => (NO_DATA, 0),
            }
        };
        let height = world.height;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "<svg class=\"chart map\" viewBox=\"0 0 {width:.0} {height:.0}\" width=\"100%\" role=\"img\" \
             aria-labelledby=\"{id}-title {id}-desc\" font-size=\"{FONT}\" \
             font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\">",
            width = world.width,
            id = self.id
        );
        let _ = write!(out, "<title id=\"{}-title\">", self.id);
        escape_html(&self.title, &mut out);
        let _ = write!(out, "</title>\n<desc id=\"{}-desc\">", self.id);
        escape_html(&self.summary(), &mut out);
        out.push_str("</desc>\n");
        // Every country without a value first, then those with one.
        out.push_str("<g class=\"land\" stroke=\"#ffffff\" stroke-width=\"0.4\" fill-rule=\"evenodd\">\n");
        for country in world.countries.iter().filter(|c| !c.path.is_empty()) {
            if self.placed.iter().any(|p| std::ptr::eq(p.country, country)) {
                continue;
            }
            let _ = write!(out, "<path class=\"m0\" fill=\"{NO_DATA}\" d=\"{}\"><title>", country.path);
            escape_html(country.name, &mut out);
            out.push_str("</title></path>\n");
        }
        for placed in self.placed.iter().filter(|p| !p.country.path.is_empty()) {
            let (colour, class) = colour_of(placed);
            let _ = write!(out, "<path class=\"m{class}\" fill=\"{colour}\" d=\"{}\"><title>", placed.country.path);
            escape_html(&self.tip(placed), &mut out);
            out.push_str("</title></path>\n");
        }
        out.push_str("</g>\n<g class=\"markers\" stroke=\"currentColor\" stroke-width=\"0.8\">\n");
        for placed in self.placed.iter().filter(|p| p.country.small || p.country.path.is_empty()) {
            let Some((x, y)) = placed.country.point else { continue };
            let (colour, class) = colour_of(placed);
            let _ = write!(
                out,
                "<circle class=\"m{class}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3.5\" fill=\"{colour}\"><title>"
            );
            escape_html(&self.tip(placed), &mut out);
            out.push_str("</title></circle>\n");
        }
        out.push_str("</g>\n</svg>\n");
        out
    }

    /// A country's tooltip: its name and value.
    fn tip(&self, placed: &Placed<'_>) -> String {
        match placed.value {
            Some(v) if self.valued => format!("{}: {}", placed.name, self.format.text(v, self.locale)),
            None if self.valued => format!("{}: {}", placed.name, self.locale.words().helpers.no_value),
            _ => placed.name.clone(),
        }
    }

    /// A sentence for screen readers.
    fn summary(&self) -> String {
        if let Some(description) = &self.description {
            return description.clone();
        }
        let mut text = format!("World map of {} countries", self.placed.len());
        if self.valued {
            let mut ranked: Vec<&Placed<'_>> = self.placed.iter().filter(|p| p.value.is_some()).collect();
            ranked.sort_by(|a, b| b.value.unwrap_or(0.0).total_cmp(&a.value.unwrap_or(0.0)));
            if let Some(top) = ranked.first() {
                let _ = write!(text, "; the highest value is {}", self.tip(top));
            }
        }
        text.push_str(". The data is in the table below the map.");
        text
    }
}
