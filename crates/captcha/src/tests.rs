#![allow(clippy::unwrap_used)]

use super::*;

const SECRET: [u8; 32] = [0x5a; 32];

fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

fn captcha() -> Captcha {
    Captcha::new(SECRET, Duration::from_secs(300))
}

fn to_persian(ascii: &str) -> String {
    ascii
        .bytes()
        .map(|b| render::persian_digit(b - b'0'))
        .collect()
}

fn to_arabic_indic(ascii: &str) -> String {
    ascii
        .bytes()
        .map(|b| char::from_u32(0x0660 + u32::from(b - b'0')).unwrap())
        .collect()
}

/// Another 5-digit answer, surely different from `answer`.
fn wrong(answer: &str) -> String {
    answer
        .bytes()
        .map(|b| char::from(b'0' + (b - b'0' + 1) % 10))
        .collect()
}

fn decode_png(bytes: &[u8]) -> (png::OutputInfo, Vec<u8>) {
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap();
    let mut buf = vec![0u8; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    (info, buf)
}

#[test]
fn right_answer_passes() {
    let c = captcha();
    let ch = c.issue(t0());
    assert_eq!(ch.id.len(), ID_CHARS);
    assert_eq!(ch.expires_at, t0() + Duration::from_secs(300));
    let answer = c.answer(&ch.id).unwrap();
    assert_eq!(
        c.verify(&ch.id, &answer, t0() + Duration::from_secs(10)),
        Ok(())
    );
}

#[test]
fn persian_arabic_and_spaced_digits_pass() {
    let c = captcha();
    for typed in [
        |a: &str| to_persian(a),
        |a: &str| to_arabic_indic(a),
        |a: &str| {
            let p = to_persian(a);
            let mut chars = p.chars();
            let first: String = chars.by_ref().take(2).collect();
            format!(" {first} \u{200c}{}\t", chars.collect::<String>())
        },
        |a: &str| format!("{}{}", &to_arabic_indic(&a[..2]), &a[2..]),
    ] {
        let ch = c.issue(t0());
        let answer = c.answer(&ch.id).unwrap();
        assert_eq!(c.verify(&ch.id, &typed(&answer), t0()), Ok(()), "{answer}");
    }
}

#[test]
fn wrong_answer_fails_and_burns_the_id() {
    let c = captcha();
    let ch = c.issue(t0());
    let answer = c.answer(&ch.id).unwrap();
    assert_eq!(
        c.verify(&ch.id, &wrong(&answer), t0()),
        Err(CaptchaError::Wrong)
    );
    assert_eq!(
        c.verify(&ch.id, &answer, t0()),
        Err(CaptchaError::AlreadyUsed)
    );
}

#[test]
fn answers_of_wrong_shape_are_wrong() {
    let c = captcha();
    for typed in ["", "1234", "123456", "12a45", "۱۲۳۴۵۶", &"1".repeat(10_000)] {
        let ch = c.issue(t0());
        assert_eq!(
            c.verify(&ch.id, typed, t0()),
            Err(CaptchaError::Wrong),
            "{typed:.20}"
        );
    }
}

#[test]
fn reuse_fails_as_already_used() {
    let c = captcha();
    let ch = c.issue(t0());
    let answer = c.answer(&ch.id).unwrap();
    assert_eq!(c.verify(&ch.id, &answer, t0()), Ok(()));
    assert_eq!(
        c.verify(&ch.id, &answer, t0()),
        Err(CaptchaError::AlreadyUsed)
    );
    assert_eq!(
        c.verify(&ch.id, &answer, t0() + Duration::from_secs(299)),
        Err(CaptchaError::AlreadyUsed)
    );
    assert_eq!(c.remembered(), 1);
}

#[test]
fn expired_fails() {
    let c = captcha();
    let ch = c.issue(t0());
    let answer = c.answer(&ch.id).unwrap();
    assert_eq!(
        c.verify(&ch.id, &answer, ch.expires_at),
        Err(CaptchaError::Expired)
    );
    assert_eq!(
        c.verify(&ch.id, &answer, t0() + Duration::from_secs(3600)),
        Err(CaptchaError::Expired)
    );
    // Refusing an expired id does not burn it (nor matter: it stays expired).
    assert_eq!(c.remembered(), 0);
    // Just before expiry it still passes.
    let late = ch.expires_at - Duration::from_millis(1);
    assert_eq!(c.verify(&ch.id, &answer, late), Ok(()));
}

#[test]
fn tampered_ids_are_malformed() {
    let c = captcha();
    let ch = c.issue(t0());
    let answer = c.answer(&ch.id).unwrap();
    let bytes = URL_SAFE_NO_PAD.decode(&ch.id).unwrap();
    for i in 0..bytes.len() {
        for bit in [0x01u8, 0x80] {
            let mut b = bytes.clone();
            b[i] ^= bit;
            let forged = URL_SAFE_NO_PAD.encode(&b);
            assert_eq!(
                c.verify(&forged, &answer, t0()),
                Err(CaptchaError::Malformed)
            );
            assert_eq!(c.render_png(&forged), Err(CaptchaError::Malformed));
            assert_eq!(c.answer(&forged), Err(CaptchaError::Malformed));
        }
    }
    // A later expiry, the classic forgery, with the old tag.
    let mut b = bytes.clone();
    let later = u64::from_be_bytes(b[12..20].try_into().unwrap()) + 3600;
    b[12..20].copy_from_slice(&later.to_be_bytes());
    let forged = URL_SAFE_NO_PAD.encode(&b);
    assert_eq!(
        c.verify(&forged, &answer, t0()),
        Err(CaptchaError::Malformed)
    );
    // None of that burnt the genuine id.
    assert_eq!(c.verify(&ch.id, &answer, t0()), Ok(()));
}

#[test]
fn malformed_strings_are_refused() {
    let c = captcha();
    let id = c.issue(t0()).id;
    let mut with_bad_char = id.clone();
    with_bad_char.replace_range(0..1, "+");
    let mut non_ascii = id.clone();
    non_ascii.replace_range(0..2, "۱");
    for bad in [
        String::new(),
        "abc".to_string(),
        id[..ID_CHARS - 1].to_string(),
        format!("{id}A"),
        format!("{id}="),
        with_bad_char,
        non_ascii,
        "A".repeat(100_000),
    ] {
        assert_eq!(c.verify(&bad, "12345", t0()), Err(CaptchaError::Malformed));
        assert_eq!(c.render_png(&bad), Err(CaptchaError::Malformed));
    }
}

#[test]
fn another_secret_refuses_the_id() {
    let c = captcha();
    let other = Captcha::new([0xa5; 32], Duration::from_secs(300));
    let ch = c.issue(t0());
    let answer = c.answer(&ch.id).unwrap();
    assert_eq!(
        other.verify(&ch.id, &answer, t0()),
        Err(CaptchaError::Malformed)
    );
    assert_eq!(other.render_png(&ch.id), Err(CaptchaError::Malformed));
    // The same secret in another process (another instance) accepts it.
    let twin = captcha();
    assert_eq!(twin.verify(&ch.id, &answer, t0()), Ok(()));
}

#[test]
fn render_is_a_png_of_the_right_size_and_deterministic() {
    let c = captcha();
    let id = c.issue(t0()).id;
    let png1 = c.render_png(&id).unwrap();
    let (info, pixels) = decode_png(&png1);
    assert_eq!((info.width, info.height), (IMAGE_WIDTH, IMAGE_HEIGHT));
    assert_eq!(info.color_type, png::ColorType::Rgb);
    assert_eq!(pixels.len(), (IMAGE_WIDTH * IMAGE_HEIGHT * 3) as usize);
    // Same bytes from the same id, also from another instance with the same secret.
    assert_eq!(c.render_png(&id).unwrap(), png1);
    assert_eq!(captcha().render_png(&id).unwrap(), png1);
    // Another id, another picture.
    let other = c.issue(t0()).id;
    assert_ne!(c.render_png(&other).unwrap(), png1);
    // Light background with dark ink on it.
    let lum: Vec<u32> = pixels
        .chunks_exact(3)
        .map(|p| (u32::from(p[0]) * 3 + u32::from(p[1]) * 6 + u32::from(p[2])) / 10)
        .collect();
    let dark = lum.iter().filter(|&&l| l < 128).count();
    let light = lum.iter().filter(|&&l| l > 200).count();
    assert!(light > lum.len() / 2, "light {light} of {}", lum.len());
    assert!(dark > lum.len() / 20, "dark {dark} of {}", lum.len());
}

#[test]
fn rendering_does_not_depend_on_a_verify() {
    let c = captcha();
    let ch = c.issue(t0());
    let before = c.render_png(&ch.id).unwrap();
    let answer = c.answer(&ch.id).unwrap();
    c.verify(&ch.id, &answer, t0()).unwrap();
    // Still drawable, and the same, after use.
    assert_eq!(c.render_png(&ch.id).unwrap(), before);
}

#[test]
fn the_font_has_every_persian_digit() {
    let font = render::font();
    for d in 0..10u8 {
        let ch = render::persian_digit(d);
        let glyph = ab_glyph::Font::glyph_id(&font, ch);
        assert_ne!(glyph.0, 0, "no glyph for {ch}");
        let outlined =
            ab_glyph::Font::outline_glyph(&font, glyph.with_scale(ab_glyph::PxScale::from(48.0)));
        assert!(outlined.is_some(), "no outline for {ch}");
    }
}

#[test]
fn many_ids_give_five_digits_and_render() {
    let c = captcha();
    let mut seen_first = [0usize; 10];
    for i in 0..400u64 {
        let ch = c.issue(t0() + Duration::from_secs(i * 7919));
        let answer = c.answer(&ch.id).unwrap();
        assert_eq!(answer.len(), ANSWER_DIGITS);
        assert!(answer.bytes().all(|b| b.is_ascii_digit()), "{answer}");
        seen_first[usize::from(answer.as_bytes()[0] - b'0')] += 1;
        if i % 4 == 0 {
            let (info, _) = decode_png(&c.render_png(&ch.id).unwrap());
            assert_eq!((info.width, info.height), (IMAGE_WIDTH, IMAGE_HEIGHT));
        }
    }
    // Leading digits, zero included, all turn up.
    assert!(seen_first.iter().all(|&n| n > 10), "{seen_first:?}");
}

#[test]
fn every_digit_renders_in_every_position() {
    // Whatever the seed, each digit value in each position draws without panicking.
    for d in 0..10u8 {
        for seed_byte in 0..8u8 {
            let png = render::render_png(&[d; ANSWER_DIGITS], [seed_byte; 32]);
            let (info, _) = decode_png(&png);
            assert_eq!((info.width, info.height), (IMAGE_WIDTH, IMAGE_HEIGHT));
        }
    }
    // The all-zero seed too.
    let _ = render::render_png(&[9, 8, 7, 6, 5], [0; 32]);
}

#[test]
fn verify_never_panics_on_odd_answers() {
    let c = captcha();
    let ch = c.issue(t0());
    let odd = [
        "\u{0}",
        "٠١٢٣٤٥٦٧٨٩",
        "۰۰۰۰۰\u{200f}",
        "１２３４５",
        "𝟏𝟐𝟑𝟒𝟓",
        "\u{FEFF}",
        "1\u{0301}2345",
    ];
    for a in odd {
        let _ = c.verify(&ch.id, a, t0());
    }
}

#[test]
fn normalize_accepts_only_five_digits() {
    assert_eq!(normalize_answer("۱۲۳۴۵"), Some([1, 2, 3, 4, 5]));
    assert_eq!(normalize_answer("٠٩ 8\u{200c}۷6"), Some([0, 9, 8, 7, 6]));
    assert_eq!(
        normalize_answer("\u{200f}12345\u{200e}"),
        Some([1, 2, 3, 4, 5])
    );
    assert_eq!(normalize_answer("1234"), None);
    assert_eq!(normalize_answer("123456"), None);
    assert_eq!(normalize_answer("１２３４５"), None);
    assert_eq!(normalize_answer("12-45"), None);
}

#[test]
fn used_ids_are_pruned_once_expired() {
    let c = captcha();
    let mut now = t0();
    for _ in 0..10 {
        let ch = c.issue(now);
        c.verify(&ch.id, "00000", now).ok();
    }
    assert_eq!(c.remembered(), 10);
    // Far past their expiry, the periodic prune drops those ten: of the 10 + 4096 checked,
    // only the 4096 new ones remain.
    now += Duration::from_secs(3600);
    for _ in 0..PRUNE_EVERY {
        let ch = c.issue(now);
        c.verify(&ch.id, "00000", now).ok();
    }
    assert_eq!(c.remembered(), PRUNE_EVERY as usize);
}

#[test]
fn a_full_memory_prunes_then_fails_closed() {
    let c = captcha().with_max_remembered(3);
    let ids: Vec<_> = (0..4).map(|_| c.issue(t0()).id).collect();
    for id in &ids[..3] {
        let answer = c.answer(id).unwrap();
        assert_eq!(c.verify(id, &answer, t0()), Ok(()));
    }
    // Full of live ids: the fourth cannot be remembered, so it is refused, not let through.
    let fourth = c.answer(&ids[3]).unwrap();
    assert_eq!(c.verify(&ids[3], &fourth, t0()), Err(CaptchaError::Expired));
    for id in &ids[..3] {
        let answer = c.answer(id).unwrap();
        assert_eq!(c.verify(id, &answer, t0()), Err(CaptchaError::AlreadyUsed));
    }
    // Once those expire they are pruned and new ids pass again.
    let later = t0() + Duration::from_secs(301);
    let fresh = c.issue(later).id;
    let answer = c.answer(&fresh).unwrap();
    assert_eq!(c.verify(&fresh, &answer, later), Ok(()));
    assert_eq!(c.remembered(), 1);
}

#[test]
fn ttl_is_rounded_and_clamped() {
    assert_eq!(
        Captcha::new(SECRET, Duration::from_millis(1500)).ttl(),
        Duration::from_secs(2)
    );
    assert_eq!(Captcha::new(SECRET, Duration::ZERO).ttl(), MIN_TTL);
    assert_eq!(Captcha::new(SECRET, Duration::MAX).ttl(), MAX_TTL);
}

#[test]
fn error_codes_and_messages() {
    let all = [
        CaptchaError::Malformed,
        CaptchaError::Expired,
        CaptchaError::Wrong,
        CaptchaError::AlreadyUsed,
    ];
    let codes: Vec<_> = all.iter().map(CaptchaError::code).collect();
    assert_eq!(
        codes,
        [
            "captcha_invalid",
            "captcha_expired",
            "captcha_wrong",
            "captcha_used"
        ]
    );
    for e in all {
        assert!(!e.message_en().is_empty());
        assert!(e.message_fa().contains("کد امنیتی"));
    }
    assert_eq!(
        CaptchaError::Wrong.message_fa(),
        "کد امنیتی درست نیست؛ با کد تازه‌ای دوباره تلاش کنید"
    );
}

#[test]
fn debug_hides_the_secret() {
    let c = captcha();
    let shown = format!("{c:?}");
    assert!(shown.contains("redacted"));
    assert!(!shown.contains("90"), "{shown}"); // 0x5a
}

#[test]
fn challenge_ids_are_url_safe_and_distinct() {
    let c = captcha();
    let a = c.issue(t0()).id;
    let b = c.issue(t0()).id;
    assert_ne!(a, b);
    assert!(a
        .bytes()
        .all(|x| x.is_ascii_alphanumeric() || x == b'-' || x == b'_'));
}

#[test]
fn captcha_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Captcha>();
}
