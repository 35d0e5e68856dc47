//! Checking a professional card (FAQ-R4 beyond, issue 20): is it authentic (its signed
//! statement, checked on the phone, without a network) and is it valid today (the public
//! directory, online: a departure, a purge).
//!
//! `/verifier/{rpps}` is what the card's QR code opens (its statement after `#`); `/verifier`
//! reads a card's QR code itself, with the camera or from a photo (`BarcodeDetector` where
//! the browser has it, else `rqrr` in a module of its own, `frontend/qr`, loaded by this page).

use dioxus::prelude::*;

use super::directory::use_entry;
use crate::card::{self, Validity, Verdict};
use crate::router::{Link, Route};
use crate::ui::{ErrorBanner, Loading, Titre, french_date, french_datetime};

/// What the card's QR code opens: the signed statement after `#` checked at once, then the
/// directory asked whether the card is valid today.
#[component]
pub fn Verifier(rpps: String) -> Element {
    // The statement travels in the fragment, which never leaves the phone: read once.
    let fragment = use_hook(location_fragment);
    let first = (!fragment.is_empty()).then(|| format!("/verifier/{rpps}#{fragment}"));
    let scanned = use_signal(move || first);
    rsx! {
        Titre { texte: "RPPS+ — Vérification d'une carte" }
        h1 { "Vérification d'une carte" }
        match scanned() {
            Some(text) => rsx! { Authenticite { key: "{text}", text } },
            None => rsx! {
                Validite { key: "{rpps}", rpps: rpps.clone() }
                p { class: "petit",
                    "Les cartes délivrées depuis décembre 2026 portent un code signé : lisez-le ci-dessous pour vérifier la carte elle-même, même sans connexion."
                }
            },
        }
        Lecteur { on_scan: move |text| open_scanned(text, scanned) }
    }
}

/// `/verifier`: read a card's QR code on this page.
#[component]
pub fn Verification() -> Element {
    let scanned = use_signal(|| None::<String>);
    rsx! {
        Titre { texte: "RPPS+ — Vérifier une carte" }
        h1 { "Vérifier une carte professionnelle" }
        p {
            "Lisez le code QR d'une carte RPPS+ : sa signature est vérifiée sur cet appareil, même sans connexion une fois cette page ouverte une première fois. En ligne, l'annuaire dit aussi si la carte est toujours valable aujourd'hui."
        }
        if let Some(text) = scanned() {
            Authenticite { key: "{text}", text }
        }
        Lecteur { on_scan: move |text| open_scanned(text, scanned) }
    }
}

/// The verdict of the signature, then, for an authentic card, the directory's word on today.
#[component]
fn Authenticite(text: String) -> Element {
    let verdict = use_resource(move || {
        let text = text.clone();
        async move { card::check(&text).await }
    });
    let verdict = verdict.read().clone();
    match verdict {
        None => rsx! { Loading { text: "Vérification de la signature…" } },
        Some(Verdict::Authentic { claims, validity }) => rsx! {
            div { class: "alerte alerte-succes verification", role: "status", id: "authenticite",
                p { class: "verdict", "✓ Carte authentique" }
                p { strong { "{claims.given_names} {claims.family_name}" } }
                p { "{card::profession_label(&claims.profession)} — RPPS {claims.rpps}" }
                p { "{claims.establishment} (FINESS {claims.finess})" }
                p { class: "petit",
                    "Carte délivrée le {french_date(&claims.issued_on)}, valable jusqu'au {french_date(&claims.valid_until)}. Signature vérifiée sur cet appareil."
                }
            }
            match validity {
                Validity::Expired => rsx! {
                    div { class: "alerte alerte-erreur", role: "alert", id: "echeance",
                        p { "Cette carte a expiré le {french_date(&claims.valid_until)} : elle ne vaut plus. Le professionnel peut télécharger une carte à jour depuis l'annuaire." }
                    }
                },
                Validity::NotYetIssued => rsx! {
                    div { class: "alerte alerte-erreur", role: "alert", id: "echeance",
                        p { "La carte est datée du {french_date(&claims.issued_on)}, après la date de cet appareil : vérifiez la date du téléphone." }
                    }
                },
                Validity::Valid | Validity::Unknown => rsx! {},
            }
            Validite { rpps: claims.rpps.clone() }
        },
        Some(Verdict::Unverifiable { reason, claims }) => rsx! {
            div { class: "alerte alerte-info verification", role: "status", id: "authenticite",
                p { class: "verdict", "Vérification impossible sur cet appareil" }
                if let Some(c) = &claims {
                    p { "Au nom de « {c.given_names} {c.family_name} », selon la carte : la signature n'a pas pu être vérifiée." }
                }
                p { "{reason.text()}" }
            }
            if let Some(c) = claims {
                Validite { rpps: c.rpps.clone() }
            }
        },
        Some(Verdict::NotAuthentic {
            reason,
            claimed_name,
        }) => rsx! {
            div { class: "alerte alerte-erreur verification", role: "alert", id: "authenticite",
                p { class: "verdict", "✗ Carte non authentique" }
                if let Some(name) = claimed_name {
                    p { "Au nom de « {name} », selon la carte : rien ne le garantit." }
                }
                p { "{reason.text()}" }
            }
        },
    }
}

/// Whether the directory says the card is valid today (a practice site in progress).
#[component]
fn Validite(rpps: String) -> Element {
    let (entry, load) = use_entry(rpps.clone());
    rsx! {
        match entry() {
            None => rsx! { Loading { text: "Consultation de l'annuaire…" } },
            Some(Err(e)) if e.status == 0 => rsx! {
                div { class: "alerte alerte-info", role: "status", id: "verification-hors-ligne",
                    p { "Hors connexion : l'annuaire n'a pas pu dire si la carte est toujours valable aujourd'hui (départ, retrait de l'annuaire)." }
                    button { class: "bouton secondaire", r#type: "button", onclick: { let mut l = load.clone(); move |_| l() }, "Réessayer" }
                }
            },
            Some(Err(e)) => rsx! { ErrorBanner { error: e, on_retry: { let mut l = load.clone(); move |_| l() } } },
            Some(Ok(Some(p))) if p.valid_today => rsx! {
                div { class: "alerte alerte-succes verification", role: "status", id: "verification",
                    p { class: "verdict", "✓ Carte valide" }
                    p { strong { "{p.given_names} {p.family_name}" } }
                    p { "{p.profession.code.label()} — RPPS {p.rpps}" }
                    p { class: "petit", "Vérifié le {french_datetime(&p.updated_at)} d'après l'annuaire public." }
                }
                p { Link { to: Route::Fiche { rpps: p.rpps.clone() }, "Voir la fiche complète" } }
            },
            Some(Ok(found)) => rsx! {
                div { class: "alerte alerte-erreur verification", role: "alert", id: "verification",
                    p { class: "verdict", "✗ Carte non valide" }
                    if let Some(p) = found {
                        p { strong { "{p.given_names} {p.family_name}" } " (RPPS {p.rpps}) n'a plus de lieu d'exercice en cours : la carte n'est plus valable." }
                    } else {
                        p { "Aucun professionnel de l'annuaire n'a le numéro RPPS {rpps}." }
                    }
                }
                p { Link { to: Route::Annuaire {}, "Chercher dans l'annuaire" } }
            },
        }
    }
}

/// Reads a card's QR code: the camera (frames read until a card's code is seen) or a photo.
#[component]
fn Lecteur(on_scan: EventHandler<String>) -> Element {
    use_hook(scan::prepare);
    let mut camera = use_signal(|| false);
    let mut reading = use_signal(|| false);
    let mut message = use_signal(|| None::<&'static str>);
    rsx! {
        section { class: "lecteur", aria_labelledby: "lecteur-titre",
            h2 { id: "lecteur-titre", "Lire le code d'une carte" }
            if camera() {
                video { id: "camera", class: "camera", autoplay: true, muted: true, "playsinline": "true",
                    aria_label: "Image de l'appareil photo" }
                p { class: "petit", "Visez le code QR de la carte, à 15 ou 20 cm." }
                button { class: "bouton secondaire", r#type: "button", onclick: move |_| camera.set(false),
                    "Arrêter l'appareil photo" }
            } else {
                p {
                    button { class: "bouton", r#type: "button",
                        onclick: move |_| {
                            message.set(None);
                            camera.set(true);
                            spawn(async move {
                                let read = scan::camera(camera).await;
                                camera.set(false);
                                match read {
                                    Ok(text) => on_scan.call(text),
                                    Err(m) => message.set(Some(m)),
                                }
                            });
                        },
                        "Scanner avec l'appareil photo"
                    }
                }
            }
            p { class: "photo",
                // The input is the label's: a button in French whatever the browser's language.
                input { id: "photo", class: "visuellement-cache", r#type: "file", accept: "image/*",
                    onchange: move |_| {
                        message.set(None);
                        reading.set(true);
                        spawn(async move {
                            let read = scan::photo("photo").await;
                            reading.set(false);
                            match read {
                                Ok(text) => on_scan.call(text),
                                Err(m) => message.set(Some(m)),
                            }
                        });
                    }
                }
                label { class: "bouton secondaire", r#for: "photo", "Choisir une photo du code" }
            }
            if reading() {
                Loading { text: "Lecture de la photo…" }
            }
            if let Some(m) = message() {
                p { class: "alerte alerte-erreur", role: "alert", id: "lecteur-erreur", "{m}" }
            }
        }
    }
}

/// What a code read leads to: the card's own address from now on (shared, reloaded, opened again
/// offline), its statement checked; for a card printed before the statement, its number's page,
/// checked online; anything else, the verdict that it is no card's.
fn open_scanned(text: String, mut scanned: Signal<Option<String>>) {
    if let Some(address) = scanned_address(&text) {
        scanned.set(Some(text));
        crate::router::show(&address);
    } else if let Some(rpps) = card::unsigned_card_rpps(&text) {
        scanned.set(None);
        crate::router::navigate(Route::Verifier { rpps });
    } else {
        scanned.set(Some(text));
    }
}

/// The address of the card a QR code's text states (`/verifier/{rpps}#<digits>`), its number
/// the one of the address it carries, else the signed one; `None` when it is no card's.
fn scanned_address(text: &str) -> Option<String> {
    let scanned = card::read_scanned(text)?;
    let digits = text.rsplit('#').next()?.trim();
    let rpps = match scanned.address_rpps {
        Some(rpps) => rpps,
        None => {
            rpps_contract::card::parse(&scanned.message)
                .ok()?
                .claims
                .rpps
        }
    };
    Some(format!("{}#{digits}", Route::Verifier { rpps }))
}

/// The page's own fragment without `#` (empty on the host).
fn location_fragment() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window()
            .and_then(|w| w.location().hash().ok())
            .map(|h| h.trim_start_matches('#').to_owned())
            .unwrap_or_default()
    }
    #[cfg(not(target_arch = "wasm32"))]
    String::new()
}

#[cfg(target_arch = "wasm32")]
mod scan {
    //! The browser's side of reading a QR code: a photo's or a video frame's pixels through a
    //! canvas, `BarcodeDetector` first when the browser has one.
    use std::cell::Cell;

    use dioxus::prelude::*;
    use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
    use wasm_bindgen::prelude::wasm_bindgen;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{
        CanvasRenderingContext2d, HtmlCanvasElement, HtmlInputElement, HtmlVideoElement,
        ImageBitmap, MediaStream, MediaStreamConstraints, MediaStreamTrack,
    };

    use crate::card;
    use crate::ui::sleep_ms;

    /// Longest side of the image given to the decoder (a 12-megapixel photo would take
    /// seconds; a card's code stays readable).
    const PHOTO_SIDE: u32 = 1600;
    const FRAME_SIDE: u32 = 800;

    const NO_CODE: &str = "Aucun code QR n'a été trouvé sur cette photo : cadrez le code de plus près, à plat et net.";

    /// The text of the first QR code `BarcodeDetector` sees in `source` (an image or a video),
    /// `None` without the API or without a code.
    async fn detected(source: &JsValue) -> Option<String> {
        let constructor: Function = Reflect::get(&js_sys::global(), &"BarcodeDetector".into())
            .ok()?
            .dyn_into()
            .ok()?;
        let options = Object::new();
        Reflect::set(&options, &"formats".into(), &Array::of1(&"qr_code".into())).ok()?;
        let detector = Reflect::construct(&constructor, &Array::of1(&options)).ok()?;
        let detect: Function = Reflect::get(&detector, &"detect".into())
            .ok()?
            .dyn_into()
            .ok()?;
        let promise: Promise = detect.call1(&detector, source).ok()?.dyn_into().ok()?;
        let codes: Array = JsFuture::from(promise).await.ok()?.dyn_into().ok()?;
        card::best(
            codes
                .iter()
                .filter_map(|code| Reflect::get(&code, &"rawValue".into()).ok()?.as_string()),
        )
    }

    /// The grey pixels of `source` drawn at most `side` pixels wide or high, and their size.
    fn grey(source: &Drawable, width: u32, height: u32, side: u32) -> Option<(u32, u32, Vec<u8>)> {
        if width == 0 || height == 0 {
            return None;
        }
        let scale = (f64::from(side) / f64::from(width.max(height))).min(1.0);
        let (w, h) = (
            ((f64::from(width) * scale).round() as u32).max(1),
            ((f64::from(height) * scale).round() as u32).max(1),
        );
        let canvas: HtmlCanvasElement = web_sys::window()?
            .document()?
            .create_element("canvas")
            .ok()?
            .dyn_into()
            .ok()?;
        canvas.set_width(w);
        canvas.set_height(h);
        let context: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
        let (dw, dh) = (f64::from(w), f64::from(h));
        match source {
            Drawable::Bitmap(bitmap) => context
                .draw_image_with_image_bitmap_and_dw_and_dh(bitmap, 0.0, 0.0, dw, dh)
                .ok()?,
            Drawable::Video(video) => context
                .draw_image_with_html_video_element_and_dw_and_dh(video, 0.0, 0.0, dw, dh)
                .ok()?,
        }
        let pixels = context.get_image_data(0.0, 0.0, dw, dh).ok()?.data();
        Some((w, h, card::luma_of_rgba(&pixels)))
    }

    #[wasm_bindgen(inline_js = r#"
let loading;
export function rpps_qr_decoder() {
  const where = globalThis.rppsQr;
  if (!where) return Promise.reject(new Error("no QR decoder in this build"));
  loading ??= import(where.js)
    .then(async (m) => { await m.default({ module_or_path: where.wasm }); return m.decode; })
    .catch((e) => { loading = undefined; throw e; });
  return loading;
}
// Once the service worker controls the page, so that the decoder's files go through it and are
// kept for offline use (on a first visit the page loads before the worker takes it).
export function rpps_qr_prefetch() {
  const sw = navigator.serviceWorker;
  const controlled = !sw ? Promise.resolve() : sw.ready.then(() => sw.controller ? undefined
    : new Promise((resolve) => sw.addEventListener("controllerchange", resolve, { once: true })));
  return controlled.then(rpps_qr_decoder);
}
"#)]
    extern "C" {
        /// The decoder module's `decode(width, height, luma)` (frontend/qr), imported once.
        fn rpps_qr_decoder() -> Promise;
        /// [`rpps_qr_decoder`] once the service worker controls the page.
        fn rpps_qr_prefetch() -> Promise;
    }

    const NO_DECODER: &str = "Le lecteur de code n'a pas pu être chargé sans connexion : photographiez plutôt le code avec l'appareil photo du téléphone, qui ouvre la page de vérification, ou revenez ici avec une connexion.";

    thread_local! {
        static QR_DETECTOR: Cell<Option<bool>> = const { Cell::new(None) };
    }

    /// Whether the browser's `BarcodeDetector` reads QR codes (some browsers have the API
    /// without that format, or without a decoder behind it).
    async fn qr_detector() -> bool {
        if let Some(known) = QR_DETECTOR.with(Cell::get) {
            return known;
        }
        let known = async {
            let constructor: Function = Reflect::get(&js_sys::global(), &"BarcodeDetector".into())
                .ok()?
                .dyn_into()
                .ok()?;
            let formats: Function = Reflect::get(&constructor, &"getSupportedFormats".into())
                .ok()?
                .dyn_into()
                .ok()?;
            let promise: Promise = formats.call0(&constructor).ok()?.dyn_into().ok()?;
            let formats: Array = JsFuture::from(promise).await.ok()?.dyn_into().ok()?;
            Some(formats.includes(&"qr_code".into(), 0))
        }
        .await
        .unwrap_or(false);
        QR_DETECTOR.with(|c| c.set(Some(known)));
        known
    }

    /// Loads the decoder ahead when this browser will need it, so that the service worker
    /// keeps it for offline use.
    pub fn prepare() {
        wasm_bindgen_futures::spawn_local(async {
            if !qr_detector().await {
                let _ = JsFuture::from(rpps_qr_prefetch()).await;
            }
        });
    }

    /// The texts of the QR codes in grey pixels, by the decoder module.
    async fn decoded(width: u32, height: u32, luma: &[u8]) -> Result<Vec<String>, &'static str> {
        let decode: Function = JsFuture::from(rpps_qr_decoder())
            .await
            .ok()
            .and_then(|d| d.dyn_into().ok())
            .ok_or(NO_DECODER)?;
        let texts = decode
            .call3(
                &JsValue::NULL,
                &width.into(),
                &height.into(),
                &Uint8Array::from(luma),
            )
            .map_err(|_| NO_CODE)?;
        let texts: Array = texts.dyn_into().map_err(|_| NO_CODE)?;
        Ok(texts.iter().filter_map(|t| t.as_string()).collect())
    }

    enum Drawable {
        Bitmap(ImageBitmap),
        Video(HtmlVideoElement),
    }

    /// The QR code of the photo chosen in the file input `input_id`.
    pub async fn photo(input_id: &str) -> Result<String, &'static str> {
        let input: HtmlInputElement = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(input_id))
            .and_then(|e| e.dyn_into().ok())
            .ok_or("La photo n'a pas pu être lue.")?;
        let file = input
            .files()
            .and_then(|files| files.get(0))
            .ok_or("Aucune photo n'a été choisie.")?;
        // The same photo chosen again is a change too.
        input.set_value("");
        let unreadable =
            "Cette image n'a pas pu être ouverte : choisissez une photo (JPEG ou PNG).";
        let promise = web_sys::window()
            .ok_or(unreadable)?
            .create_image_bitmap_with_blob(&file)
            .map_err(|_| unreadable)?;
        let bitmap: ImageBitmap = JsFuture::from(promise)
            .await
            .ok()
            .and_then(|b| b.dyn_into().ok())
            .ok_or(unreadable)?;
        if qr_detector().await
            && let Some(text) = detected(&bitmap).await
        {
            return Ok(text);
        }
        let (width, height) = (bitmap.width(), bitmap.height());
        let (w, h, luma) =
            grey(&Drawable::Bitmap(bitmap), width, height, PHOTO_SIDE).ok_or(unreadable)?;
        card::best(decoded(w, h, &luma).await?).ok_or(NO_CODE)
    }

    /// Reads the camera's frames until a card's QR code is seen, or `active` turns false.
    pub async fn camera(active: Signal<bool>) -> Result<String, &'static str> {
        let unavailable =
            "Ce navigateur ne donne pas accès à l'appareil photo : choisissez une photo du code.";
        let devices = web_sys::window()
            .ok_or(unavailable)?
            .navigator()
            .media_devices()
            .map_err(|_| unavailable)?;
        let constraints = MediaStreamConstraints::new();
        let video_wanted = Object::new();
        let _ = Reflect::set(&video_wanted, &"facingMode".into(), &"environment".into());
        constraints.set_video(&video_wanted);
        constraints.set_audio(&JsValue::FALSE);
        let promise = devices
            .get_user_media_with_constraints(&constraints)
            .map_err(|_| unavailable)?;
        let stream: MediaStream = JsFuture::from(promise)
            .await
            .ok()
            .and_then(|s| s.dyn_into().ok())
            .ok_or("L'appareil photo n'est pas accessible (accès refusé, ou aucun appareil) : autorisez-le dans le navigateur, ou choisissez une photo du code.")?;
        // Released however the reading ends: a code read, stopped, or the task dropped with
        // its page (another page opened while scanning).
        let tracks = Tracks(stream);
        frames(active, &tracks.0).await
    }

    /// The camera's stream, stopped when dropped (the camera's light goes off).
    struct Tracks(MediaStream);

    impl Drop for Tracks {
        fn drop(&mut self) {
            for track in self.0.get_tracks().iter() {
                if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
                    track.stop();
                }
            }
        }
    }

    async fn frames(active: Signal<bool>, stream: &MediaStream) -> Result<String, &'static str> {
        let mut video = None;
        for _ in 0..40 {
            video = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id("camera"))
                .and_then(|e| e.dyn_into::<HtmlVideoElement>().ok());
            if video.is_some() || !*active.peek() {
                break;
            }
            sleep_ms(25).await;
        }
        let Some(video) = video else {
            return Err("L'image de l'appareil photo n'a pas pu être affichée.");
        };
        video.set_src_object(Some(stream));
        let _ = video.play();
        let detector = qr_detector().await;
        while *active.peek() {
            sleep_ms(200).await;
            // HAVE_CURRENT_DATA: a frame to read.
            if video.ready_state() < 2 {
                continue;
            }
            let text = if detector {
                detected(&video).await
            } else {
                let (width, height) = (video.video_width(), video.video_height());
                match grey(&Drawable::Video(video.clone()), width, height, FRAME_SIDE) {
                    Some((w, h, luma)) => card::best(decoded(w, h, &luma).await?),
                    None => None,
                }
            };
            // Another QR code in view (a poster, a menu): keep looking for the card's.
            if let Some(text) = text.filter(|t| {
                card::read_scanned(t).is_some() || card::unsigned_card_rpps(t).is_some()
            }) {
                return Ok(text);
            }
        }
        Err("Lecture arrêtée : aucun code de carte n'a été lu.")
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod scan {
    //! On the host (tests, server-side rendering) there is no camera and no file.
    use dioxus::prelude::*;

    pub async fn photo(_input_id: &str) -> Result<String, &'static str> {
        Err("La photo n'a pas pu être lue.")
    }

    pub async fn camera(_active: Signal<bool>) -> Result<String, &'static str> {
        Err("Ce navigateur ne donne pas accès à l'appareil photo : choisissez une photo du code.")
    }

    pub fn prepare() {}
}

#[cfg(test)]
mod tests {
    use dioxus::prelude::*;

    fn render(component: fn() -> Element) -> String {
        let mut dom = VirtualDom::new(component);
        dom.rebuild_in_place();
        dioxus_ssr::render(&dom)
    }

    #[test]
    fn issue_20_a_scanned_card_gets_its_own_address() {
        use rpps_contract::card as statement;
        let claims = statement::CardClaims {
            rpps: "10001045367".into(),
            family_name: "N'DIAYE".into(),
            given_names: "Awa".into(),
            profession: "aide_a_domicile_qualifiee".into(),
            establishment: "SAAD".into(),
            finess: "750012346".into(),
            issued_on: "2026-12-06".into(),
            valid_until: "2027-12-05".into(),
        };
        let message = statement::assemble(
            &statement::protected_header(&[1; 8]),
            &statement::encode_claims(&claims).unwrap(),
            &[2; 64],
        );
        let digits = statement::to_digits(&message);
        let address = format!("/verifier/10001045367#{digits}");
        assert_eq!(
            super::scanned_address(&format!("https://rpps.example{address}")),
            Some(address.clone())
        );
        // Digits alone: the signed number; another number in the address is kept (and refused
        // by the check).
        assert_eq!(super::scanned_address(&digits), Some(address));
        assert_eq!(
            super::scanned_address(&format!("https://x/verifier/10000000025#{digits}")),
            Some(format!("/verifier/10000000025#{digits}"))
        );
        assert_eq!(super::scanned_address("https://example.org/menu"), None);
    }

    #[test]
    fn issue_20_the_verification_page_offers_the_camera_and_a_photo() {
        let html = render(super::Verification);
        assert!(html.contains("Scanner avec l&#39;appareil photo"), "{html}");
        assert!(html.contains(r#"id="photo""#), "{html}");
        assert!(html.contains("même sans connexion"), "{html}");
    }
}
