//! The QR code of the verification URL, as an 8-bit grey image (one square of pixels per module).

use std::sync::Arc;

use krilla::image::{BitsPerComponent, CustomImage, Image, ImageColorspace};
use qrcode::{Color, EcLevel, QrCode};

use crate::CardError;

/// Pixels per module: viewers that smooth enlarged images still show sharp modules.
const PIXELS_PER_MODULE: usize = 4;
/// The quiet zone around the code, in modules (the standard asks for 4).
const QUIET_ZONE: usize = 4;

/// An 8-bit grey bitmap (0 = black, 255 = white) that krilla writes as an image XObject.
#[derive(Clone, Hash)]
pub(crate) struct QrBitmap {
    pixels: Arc<Vec<u8>>,
    side: u32,
}

impl QrBitmap {
    /// Encodes `text` at error-correction level M (15 % of the code may be damaged).
    pub(crate) fn encode(text: &str) -> Result<Self, CardError> {
        let code =
            QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).map_err(|source| {
                CardError::QrCode {
                    len: text.len(),
                    source,
                }
            })?;
        let modules = code.width();
        let colors = code.to_colors();
        let side_modules = modules + 2 * QUIET_ZONE;
        let side = side_modules * PIXELS_PER_MODULE;
        let mut pixels = vec![255u8; side * side];
        for (i, color) in colors.iter().enumerate() {
            if *color != Color::Dark {
                continue;
            }
            let (mx, my) = (i % modules + QUIET_ZONE, i / modules + QUIET_ZONE);
            for dy in 0..PIXELS_PER_MODULE {
                let row = (my * PIXELS_PER_MODULE + dy) * side;
                let start = row + mx * PIXELS_PER_MODULE;
                pixels[start..start + PIXELS_PER_MODULE].fill(0);
            }
        }
        let side = u32::try_from(side).map_err(|_| CardError::Layout("QR code too large"))?;
        Ok(Self {
            pixels: Arc::new(pixels),
            side,
        })
    }

    pub(crate) fn into_image(self) -> Result<Image, CardError> {
        Image::from_custom(self, false).map_err(CardError::Image)
    }
}

impl CustomImage for QrBitmap {
    fn color_channel(&self) -> &[u8] {
        &self.pixels
    }

    fn alpha_channel(&self) -> Option<&[u8]> {
        None
    }

    fn bits_per_component(&self) -> BitsPerComponent {
        BitsPerComponent::Eight
    }

    fn size(&self) -> (u32, u32) {
        (self.side, self.side)
    }

    fn icc_profile(&self) -> Option<&[u8]> {
        None
    }

    fn color_space(&self) -> ImageColorspace {
        ImageColorspace::Luma
    }
}
