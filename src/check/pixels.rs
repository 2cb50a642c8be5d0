//! Images: PNG in and out (the `png` crate) and a comparison that tolerates
//! anti-aliasing, after pixelmatch (Mapbox, ISC): colour distance in YIQ
//! space against a threshold, and a differing pixel that looks like an
//! anti-aliased edge in either image (a brightness extreme among its
//! neighbours, beside flat areas in both) is not counted.

use crate::diagnostic::Diagnostic;

/// An RGBA image, 8 bits a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

impl Image {
    pub fn decode(bytes: &[u8]) -> Result<Image, String> {
        let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
        let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
        let size = reader
            .output_buffer_size()
            .ok_or_else(|| "image too large".to_owned())?;
        let mut buf = vec![0; size];
        let info = reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
        buf.truncate(info.buffer_size());
        let rgba = match info.color_type {
            png::ColorType::Rgba => buf,
            png::ColorType::Rgb => buf
                .chunks_exact(3)
                .flat_map(|p| [p[0], p[1], p[2], 255])
                .collect(),
            png::ColorType::Grayscale => buf.iter().flat_map(|&g| [g, g, g, 255]).collect(),
            png::ColorType::GrayscaleAlpha => buf
                .chunks_exact(2)
                .flat_map(|p| [p[0], p[0], p[0], p[1]])
                .collect(),
            png::ColorType::Indexed => return Err("unexpected indexed colour".to_owned()),
        };
        Ok(Image {
            width: info.width,
            height: info.height,
            rgba,
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut out, self.width, self.height);
            encoder.set_color(png::ColorType::Rgba);
            encoder.set_depth(png::BitDepth::Eight);
            encoder.set_compression(png::Compression::Fast);
            // Writing to memory cannot fail once the header is valid.
            if let Ok(mut writer) = encoder.write_header() {
                let _ = writer.write_image_data(&self.rgba);
            }
        }
        out
    }

    pub fn read(path: &std::path::Path) -> Result<Image, Diagnostic> {
        let shown = crate::source::display_path(path);
        let bytes = std::fs::read(path)
            .map_err(|e| Diagnostic::error(format!("cannot read: {e}")).in_file(shown.clone()))?;
        Image::decode(&bytes).map_err(|e| {
            Diagnostic::error(format!("not a PNG image this check can read: {e}"))
                .in_file(shown)
                .with_help("delete it and run the check again to write a new baseline")
        })
    }

    fn pixel(&self, x: u32, y: u32) -> [u8; 4] {
        let i = ((y * self.width + x) * 4) as usize;
        [
            self.rgba[i],
            self.rgba[i + 1],
            self.rgba[i + 2],
            self.rgba[i + 3],
        ]
    }
}

/// What a comparison found.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Pixels that differ beyond the threshold and are not anti-aliasing.
    pub differing: usize,
    /// Pixels compared (the larger of both sizes).
    pub total: usize,
    /// Expected in grey, anti-aliasing in yellow, differences in red.
    pub diff: Image,
    /// Where the differing pixels are: `(x, y, width, height)`.
    pub bounds: Option<(u32, u32, u32, u32)>,
    /// Differing pixels on a grid of `CELL`-pixel squares, for locating them.
    pub cells: Vec<(u32, u32)>,
}

/// Side of the squares [`Comparison::cells`] are counted in.
pub const CELL: u32 = 8;

/// Compare `expected` with `actual`. `threshold` (0–1) is the colour distance
/// below which two pixels are the same (pixelmatch's; 0.1 by default).
/// Images of different sizes are compared over the larger size: pixels
/// present in only one of them differ.
pub fn compare(expected: &Image, actual: &Image, threshold: f64) -> Comparison {
    let width = expected.width.max(actual.width);
    let height = expected.height.max(actual.height);
    let max_delta = 35215.0 * threshold * threshold;
    let mut diff = Image {
        width,
        height,
        rgba: vec![0; (width * height * 4) as usize],
    };
    let mut differing = 0;
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    let mut cells = std::collections::BTreeSet::new();
    let inside = |img: &Image, x: u32, y: u32| x < img.width && y < img.height;
    for y in 0..height {
        for x in 0..width {
            let out = ((y * width + x) * 4) as usize;
            let different = if inside(expected, x, y) && inside(actual, x, y) {
                let a = expected.pixel(x, y);
                let b = actual.pixel(x, y);
                let delta = colour_delta(a, b, false);
                if delta.abs() > max_delta {
                    if antialiased(expected, x, y, actual) || antialiased(actual, x, y, expected) {
                        diff.rgba[out..out + 4].copy_from_slice(&[255, 255, 0, 255]);
                        false
                    } else {
                        true
                    }
                } else {
                    let grey = faded(a);
                    diff.rgba[out..out + 4].copy_from_slice(&[grey, grey, grey, 255]);
                    false
                }
            } else {
                true
            };
            if different {
                diff.rgba[out..out + 4].copy_from_slice(&[255, 0, 0, 255]);
                differing += 1;
                x0 = x0.min(x);
                y0 = y0.min(y);
                x1 = x1.max(x);
                y1 = y1.max(y);
                cells.insert((x / CELL, y / CELL));
            }
        }
    }
    Comparison {
        differing,
        total: (width as usize) * (height as usize),
        diff,
        bounds: (differing > 0).then(|| (x0, y0, x1 - x0 + 1, y1 - y0 + 1)),
        cells: cells.into_iter().collect(),
    }
}

/// The expected pixel, light grey, for the background of the diff image.
fn faded(p: [u8; 4]) -> u8 {
    let [r, g, b] = blend(p);
    let y = r * 0.29889531 + g * 0.58662247 + b * 0.11448223;
    (255.0 + (y - 255.0) * 0.1).round() as u8
}

/// The pixel over white.
fn blend(p: [u8; 4]) -> [f64; 3] {
    let a = f64::from(p[3]) / 255.0;
    let over = |c: u8| 255.0 + (f64::from(c) - 255.0) * a;
    [over(p[0]), over(p[1]), over(p[2])]
}

/// Squared YIQ distance (signed: negative when `b` is lighter); with `y_only`,
/// the brightness difference alone.
fn colour_delta(a: [u8; 4], b: [u8; 4], y_only: bool) -> f64 {
    if a == b {
        return 0.0;
    }
    let [r1, g1, b1] = blend(a);
    let [r2, g2, b2] = blend(b);
    let y = |r: f64, g: f64, b: f64| r * 0.29889531 + g * 0.58662247 + b * 0.11448223;
    let i = |r: f64, g: f64, b: f64| r * 0.59597799 - g * 0.27417610 - b * 0.32180189;
    let q = |r: f64, g: f64, b: f64| r * 0.21147017 - g * 0.52261711 + b * 0.31114694;
    let dy = y(r1, g1, b1) - y(r2, g2, b2);
    if y_only {
        return dy;
    }
    let di = i(r1, g1, b1) - i(r2, g2, b2);
    let dq = q(r1, g1, b1) - q(r2, g2, b2);
    let delta = 0.5053 * dy * dy + 0.299 * di * di + 0.1957 * dq * dq;
    if dy > 0.0 { -delta } else { delta }
}

/// Whether the pixel at `(x, y)` of `img` looks like anti-aliasing: among its
/// 8 neighbours it is a brightness extreme, and the darkest or brightest
/// neighbour sits in a flat area in both images.
fn antialiased(img: &Image, x: u32, y: u32, other: &Image) -> bool {
    let x0 = x.saturating_sub(1);
    let y0 = y.saturating_sub(1);
    let x2 = (x + 1).min(img.width - 1);
    let y2 = (y + 1).min(img.height - 1);
    let mut zeroes = usize::from(x == x0 || x == x2 || y == y0 || y == y2);
    let (mut min, mut max) = (0.0, 0.0);
    let (mut min_at, mut max_at) = ((0, 0), (0, 0));
    let here = img.pixel(x, y);
    for ny in y0..=y2 {
        for nx in x0..=x2 {
            if nx == x && ny == y {
                continue;
            }
            let delta = colour_delta(here, img.pixel(nx, ny), true);
            if delta == 0.0 {
                zeroes += 1;
                if zeroes > 2 {
                    return false;
                }
            } else if delta < min {
                min = delta;
                min_at = (nx, ny);
            } else if delta > max {
                max = delta;
                max_at = (nx, ny);
            }
        }
    }
    if min == 0.0 || max == 0.0 {
        return false;
    }
    let flat = |at: (u32, u32)| {
        at.0 < other.width
            && at.1 < other.height
            && many_siblings(img, at.0, at.1)
            && many_siblings(other, at.0, at.1)
    };
    flat(min_at) || flat(max_at)
}

/// Whether at least 3 neighbours of `(x, y)` have exactly its colour.
fn many_siblings(img: &Image, x: u32, y: u32) -> bool {
    let x0 = x.saturating_sub(1);
    let y0 = y.saturating_sub(1);
    let x2 = (x + 1).min(img.width - 1);
    let y2 = (y + 1).min(img.height - 1);
    let mut zeroes = usize::from(x == x0 || x == x2 || y == y0 || y == y2);
    let here = img.pixel(x, y);
    for ny in y0..=y2 {
        for nx in x0..=x2 {
            if (nx, ny) != (x, y) && img.pixel(nx, ny) == here {
                zeroes += 1;
                if zeroes > 2 {
                    return true;
                }
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(width: u32, height: u32, f: impl Fn(u32, u32) -> [u8; 4]) -> Image {
        let mut rgba = Vec::new();
        for y in 0..height {
            for x in 0..width {
                rgba.extend(f(x, y));
            }
        }
        Image {
            width,
            height,
            rgba,
        }
    }

    const WHITE: [u8; 4] = [255, 255, 255, 255];
    const BLACK: [u8; 4] = [0, 0, 0, 255];

    #[test]
    fn png_round_trip() {
        let img = image(5, 3, |x, y| [x as u8 * 40, y as u8 * 80, 7, 255]);
        assert_eq!(Image::decode(&img.encode()).unwrap(), img);
        assert!(Image::decode(b"not a png").is_err());
    }

    #[test]
    fn identical_images_do_not_differ() {
        let img = image(20, 10, |x, _| if x < 10 { WHITE } else { BLACK });
        let c = compare(&img, &img, 0.1);
        assert_eq!((c.differing, c.bounds), (0, None));
    }

    #[test]
    fn a_changed_block_is_found_with_its_bounds() {
        let a = image(40, 30, |_, _| WHITE);
        let b = image(40, 30, |x, y| {
            if (10..20).contains(&x) && (5..9).contains(&y) {
                [200, 0, 0, 255]
            } else {
                WHITE
            }
        });
        let c = compare(&a, &b, 0.1);
        assert_eq!(c.differing, 40);
        assert_eq!(c.bounds, Some((10, 5, 10, 4)));
        assert_eq!(c.cells, vec![(1, 0), (1, 1), (2, 0), (2, 1)]);
        assert_eq!(&c.diff.rgba[0..4], &[255, 255, 255, 255]);
    }

    #[test]
    fn slight_colour_changes_are_under_the_threshold() {
        let a = image(10, 10, |_, _| [100, 100, 100, 255]);
        let b = image(10, 10, |_, _| [103, 101, 100, 255]);
        assert_eq!(compare(&a, &b, 0.1).differing, 0);
        assert_eq!(compare(&a, &b, 0.0).differing, 100);
    }

    #[test]
    fn anti_aliased_edges_are_tolerated() {
        // A vertical black/white edge; the other image has a grey, half-covered column at the edge.
        let a = image(12, 12, |x, _| if x < 6 { BLACK } else { WHITE });
        let b = image(12, 12, |x, _| match x {
            0..=5 => BLACK,
            6 => [128, 128, 128, 255],
            _ => WHITE,
        });
        let c = compare(&a, &b, 0.1);
        assert_eq!(c.differing, 0, "the grey edge is anti-aliasing");
        assert!(c.diff.rgba.chunks(4).any(|p| p == [255, 255, 0, 255]));
    }

    #[test]
    fn a_size_change_differs_where_only_one_image_has_pixels() {
        let a = image(10, 10, |_, _| WHITE);
        let b = image(10, 12, |_, _| WHITE);
        let c = compare(&a, &b, 0.1);
        assert_eq!(c.differing, 20);
        assert_eq!(c.bounds, Some((0, 10, 10, 2)));
    }
}
