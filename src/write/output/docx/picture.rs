//! A chart's SVG as a PNG image for Word, drawn by resvg with the one
//! font laporan carries (DejaVu Sans, `fonts/`), never the machine's fonts:
//! the same SVG gives the same bytes everywhere. Nothing outside the SVG is
//! read (images it links to are not loaded).

use std::sync::{Arc, OnceLock};

use resvg::{tiny_skia, usvg};

use crate::error::Error;

const REGULAR: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("fonts/DejaVuSans-Bold.ttf");
const FAMILY: &str = "DejaVu Sans";

/// The most pixels one image may have (a tall chart at print resolution
/// is about 3 million).
const MAX_PIXELS: f64 = 12_000_000.0;

/// A drawn picture: its PNG bytes and size in pixels.
pub struct Png {
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// The fonts every picture is drawn with: DejaVu Sans for every family a
/// chart may name (`system-ui, …, sans-serif`), loaded once.
fn fonts() -> Arc<usvg::fontdb::Database> {
    static FONTS: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut db = usvg::fontdb::Database::new();
            db.load_font_data(REGULAR.to_vec());
            db.load_font_data(BOLD.to_vec());
            db.set_sans_serif_family(FAMILY);
            db.set_serif_family(FAMILY);
            db.set_monospace_family(FAMILY);
            db.set_cursive_family(FAMILY);
            db.set_fantasy_family(FAMILY);
            Arc::new(db)
        })
        .clone()
}

/// Draws `svg` (a standalone SVG document) `width` pixels wide on white.
pub fn png(svg: &str, width: u32) -> Result<Png, Error> {
    let options = usvg::Options {
        font_family: FAMILY.to_owned(),
        fontdb: fonts(),
        // No file, no URL: a picture is its own SVG only.
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: Box::new(|_, _, _| None),
            resolve_string: Box::new(|_, _| None),
        },
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options)
        .map_err(|e| Error::project(format!("a chart could not be drawn as an image: {e}")))?;
    let size = tree.size();
    let mut scale = f64::from(width) / f64::from(size.width());
    let pixels = f64::from(size.width()) * f64::from(size.height()) * scale * scale;
    if pixels > MAX_PIXELS {
        scale *= (MAX_PIXELS / pixels).sqrt();
    }
    let (width, height) = (
        ((f64::from(size.width()) * scale).round() as u32).max(1),
        ((f64::from(size.height()) * scale).round() as u32).max(1),
    );
    let mut pixmap = tiny_skia::Pixmap::new(width, height)
        .ok_or_else(|| Error::project(format!("a chart of {width}×{height} pixels could not be drawn")))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    let scale = scale as f32;
    resvg::render(&tree, tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    let bytes = pixmap.encode_png().map_err(|e| Error::project(format!("a chart could not be written as PNG: {e}")))?;
    Ok(Png { bytes, width, height })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100" width="200" height="100" font-family="system-ui, sans-serif">
<rect x="10" y="10" width="80" height="40" fill="#1f5fa8"/><text x="100" y="80" font-size="12" fill="currentColor">Kamboja 12</text>
<image href="/etc/hostname" x="0" y="0" width="10" height="10"/></svg>"##;

    #[test]
    fn the_same_svg_gives_the_same_png() {
        let first = png(SVG, 600).unwrap();
        let second = png(SVG, 600).unwrap();
        assert_eq!((first.width, first.height), (600, 300));
        assert!(first.bytes.starts_with(b"\x89PNG"));
        assert_eq!(first.bytes, second.bytes);
    }

    #[test]
    fn text_is_drawn_with_the_bundled_font() {
        let with_text = png(SVG, 400).unwrap();
        let without = png(&SVG.replace("Kamboja 12", ""), 400).unwrap();
        assert_ne!(with_text.bytes, without.bytes, "the label left no pixel");
    }

    #[test]
    fn a_huge_picture_is_scaled_down() {
        let tall = r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 10000"><rect width="100" height="10000"/></svg>"#;
        let picture = png(tall, 3000).unwrap();
        assert!(f64::from(picture.width) * f64::from(picture.height) <= MAX_PIXELS * 1.01);
    }
}
