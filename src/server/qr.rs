//! QR payloads rendered as `data:image/png;base64,…`, the documented `qrcodeBase64` shape.
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use base64::{Engine as _, engine::general_purpose::STANDARD};
use hashlink::LruCache;
use qrcode::{Color, EcLevel, QrCode};

/// Pixels per module: big enough to scan from a laptop screen, small enough to send.
const SCALE: usize = 8;
/// The quiet zone the QR standard asks for, in modules.
const QUIET: usize = 4;

/// QR images kept, newest used first: a QR lives 20–60 s and every page watching its window
/// polls it, so each is encoded once, not once per request.
const CACHED: usize = 4096;

/// The QR of `payload` as a PNG data URI (encoded once per QR, then shared).
pub fn png_data_uri(payload: &str) -> anyhow::Result<Arc<str>> {
    static CACHE: LazyLock<Mutex<LruCache<String, Arc<str>>>> = LazyLock::new(|| Mutex::new(LruCache::new(CACHED)));
    if let Some(hit) = CACHE.lock().unwrap_or_else(PoisonError::into_inner).get(payload) {
        return Ok(hit.clone());
    }
    // Encoded outside the lock: two first readers may both encode; both get the same image.
    let uri: Arc<str> = format!("data:image/png;base64,{}", STANDARD.encode(png(payload)?)).into();
    CACHE
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(payload.to_owned(), uri.clone());
    Ok(uri)
}

/// A 1-bit greyscale PNG: the smallest faithful encoding of a black-and-white code.
pub fn png(payload: &str) -> anyhow::Result<Vec<u8>> {
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET) * SCALE;
    let row_bytes = side.div_ceil(8);
    let mut pixels = vec![0xFFu8; row_bytes * side];
    for y in 0..side {
        for x in 0..side {
            let (mx, my) = ((x / SCALE).wrapping_sub(QUIET), (y / SCALE).wrapping_sub(QUIET));
            if mx < modules && my < modules && colors[my * modules + mx] == Color::Dark {
                pixels[y * row_bytes + x / 8] &= !(0x80 >> (x % 8));
            }
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side as u32, side as u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&pixels)?;
    writer.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_a_png_of_the_right_size_with_dark_modules() {
        let payload = "2@abc,def,ghi,jkl,1";
        let bytes = png(payload).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        let modules = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M).unwrap().width();
        assert_eq!(info.width as usize, (modules + 2 * QUIET) * SCALE);
        assert_eq!(info.bit_depth, png::BitDepth::One);
        // The top-left finder pattern starts right after the quiet zone.
        let first_dark_row = QUIET * SCALE;
        let byte = buf[first_dark_row * info.line_size + first_dark_row / 8];
        assert_eq!(byte & (0x80 >> (first_dark_row % 8)), 0, "finder pattern pixel is black");
        assert_eq!(buf[0], 0xFF, "quiet zone is white");
    }

    #[test]
    fn data_uri_has_the_documented_prefix() {
        assert!(png_data_uri("hello").unwrap().starts_with("data:image/png;base64,iVBOR"));
        // Encoded once: a second read of the same QR is the same image, not a new encoding.
        assert!(Arc::ptr_eq(&png_data_uri("hello").unwrap(), &png_data_uri("hello").unwrap()));
    }
}
