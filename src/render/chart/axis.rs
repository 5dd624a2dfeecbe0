//! Where things go on a chart: the value scale and its round ticks, which
//! category labels are written (thinned, turned), stacked segments, and
//! how wide a text is.

use super::FONT;

/// Which category labels along the bottom are written, and how: level
/// when they fit their band, else every n-th so that none overlaps the
/// next; long text turned 40 degrees (then thinned so that the turned
/// lines do not touch). Every category keeps its bar or point, and its
/// name in the bar's tooltip and in the data table.
pub(super) struct CategoryAxis {
    pub(super) turned: bool,
    /// Every how many categories a label is written.
    pub(super) every: usize,
    /// The widest label as written, in pixels.
    pub(super) longest: f64,
}

impl CategoryAxis {
    pub(super) fn new(categories: &[String], band: f64) -> CategoryAxis {
        let longest = categories.iter().map(|c| text_width(&shorten(c, 28))).fold(0.0, f64::max);
        let level_every = ((longest + 10.0) / band).ceil().max(1.0) as usize;
        // Turning helps long labels; short ones (dates, codes) read better
        // level and thinned.
        let turned = level_every > 1 && longest > 80.0;
        let every = if turned { ((FONT + 3.0) / (band * 0.64)).ceil().max(1.0) as usize } else { level_every };
        CategoryAxis { turned, every, longest }
    }

    pub(super) fn shows(&self, index: usize) -> bool {
        index.is_multiple_of(self.every)
    }
}

/// Where the next segment of a stacked bar goes: positive values stack up
/// from zero, negative ones down.
#[derive(Default)]
pub(super) struct Stack {
    pub(super) below: f64,
    pub(super) above: f64,
}

impl Stack {
    /// The segment (from, to) for `value`.
    pub(super) fn place(&mut self, value: f64) -> (f64, f64) {
        let end = if value < 0.0 { &mut self.below } else { &mut self.above };
        let from = *end;
        *end += value;
        (from, *end)
    }
}

/// A linear value scale with ticks at round numbers.
pub(super) struct Scale {
    low: f64,
    high: f64,
    step: f64,
}

impl Scale {
    pub(super) fn new(low: f64, high: f64) -> Scale {
        // Nothing but zeros still gets an axis from 0 to 1.
        let high = if high > low { high } else { low + 1.0 };
        let span = high - low;
        let step = nice_step(span / 5.0);
        let nice_low = (low / step).floor() * step;
        let nice_high = ((high / step).ceil() * step).max(nice_low + step);
        // Near the ends of f64 (1.8e308) rounding outwards overflows: the
        // axis then runs over the values as they are.
        if !(nice_low.is_finite() && nice_high.is_finite() && (nice_high - nice_low).is_finite()) {
            return Scale { low, high, step: f64::INFINITY };
        }
        Scale { low: nice_low, high: nice_high, step }
    }

    /// Where `v` is between the ends, from 0 to 1 (in halves, so that even
    /// an axis from -1.8e308 to 1.8e308 has a finite length).
    pub(super) fn fraction(&self, v: f64) -> f64 {
        (v / 2.0 - self.low / 2.0) / (self.high / 2.0 - self.low / 2.0)
    }

    pub(super) fn ticks(&self) -> Vec<f64> {
        let count = ((self.high / 2.0 - self.low / 2.0) / self.step * 2.0).round();
        if !count.is_finite() || !(1.0..=50.0).contains(&count) {
            return vec![self.low, self.high];
        }
        (0..=count as usize).map(|i| self.low + self.step * i as f64).collect()
    }
}

/// 1, 2, 2.5 or 5 times a power of ten, at least `raw`.
pub(super) fn nice_step(raw: f64) -> f64 {
    let power = 10f64.powf(raw.log10().floor());
    let unit = raw / power;
    let nice = if unit <= 1.0 {
        1.0
    } else if unit <= 2.0 {
        2.0
    } else if unit <= 2.5 {
        2.5
    } else if unit <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * power
}

/// An estimate of a text's width at the chart's font size: no font metrics
/// are at hand, and an estimate on the wide side keeps labels inside.
pub(super) fn text_width(text: &str) -> f64 {
    text.chars().map(|c| if c.is_ascii_uppercase() || c == 'm' || c == 'w' { 8.6 } else { 6.9 }).sum()
}

pub(super) fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('…');
    cut
}
