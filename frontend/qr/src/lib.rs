//! The QR code decoder of the verification page (issue 20): `rqrr`, pure Rust, built by
//! `frontend/build.sh` into a module of its own (`app-qr-<hash>.js` and `…_bg.wasm`) that the
//! web app imports only on `/verifier`, and only when the browser has no `BarcodeDetector`
//! (Firefox, Chromium on Linux and Windows). The service worker keeps it once loaded, so a photo
//! or the camera is read offline too.

/// The texts of the QR codes in a grey image (`luma`: one byte per pixel, row by row); none
/// when the image is not `width` × `height`.
pub fn texts(width: usize, height: usize, luma: &[u8]) -> Vec<String> {
    if width == 0 || height == 0 || luma.len() != width * height {
        return Vec::new();
    }
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| luma[y * width + x]);
    image
        .detect_grids()
        .into_iter()
        .filter_map(|grid| grid.decode().ok().map(|(_, text)| text))
        .collect()
}

/// [`texts`] for JavaScript: `decode(width, height, luma)` gives an array of strings.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn decode(width: u32, height: u32, luma: &[u8]) -> Vec<String> {
    texts(width as usize, height as usize, luma)
}

#[cfg(test)]
mod tests {
    /// A QR code drawn module by module with its quiet zone, as the card draws it.
    fn drawn(text: &str, scale: usize) -> (usize, Vec<u8>) {
        let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
            .unwrap();
        let (modules, quiet) = (code.width(), 4);
        let side = (modules + 2 * quiet) * scale;
        let colors = code.to_colors();
        let mut luma = vec![255u8; side * side];
        for y in 0..side {
            for x in 0..side {
                let (mx, my) = (x / scale, y / scale);
                if (quiet..quiet + modules).contains(&mx)
                    && (quiet..quiet + modules).contains(&my)
                    && colors[(my - quiet) * modules + (mx - quiet)] == qrcode::Color::Dark
                {
                    luma[y * side + x] = 0;
                }
            }
        }
        (side, luma)
    }

    #[test]
    fn issue_20_a_card_s_qr_code_is_read_from_a_grey_image() {
        // A card's address with a statement's digits (485 characters: version 11).
        let text = format!(
            "https://rpps.example/verifier/10001045367#{}",
            "0123456789".repeat(44)
        );
        let (side, luma) = drawn(&text, 3);
        assert_eq!(super::texts(side, side, &luma), vec![text]);
        assert!(super::texts(side, side, &vec![255; side * side]).is_empty());
        // Not the announced size: nothing read, no panic.
        assert!(super::texts(side, side, &luma[..10]).is_empty());
        assert!(super::texts(0, 0, &[]).is_empty());
    }
}
