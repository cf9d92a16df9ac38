//! Allocation-free text helpers for the hot path: zero-padded ASCII numbers, Persian-digit numbers, and CSV
//! field quoting for text that might hold a comma, quote or line break.

/// Appends `n` in ASCII digits, zero-padded to at least `width` digits.
#[inline]
pub fn push_digits(buf: &mut String, mut n: u32, width: usize) {
    let mut tmp = [0u8; 10];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let digits = tmp.len() - i;
    for _ in digits..width {
        buf.push('0');
    }
    for &b in &tmp[i..] {
        buf.push(char::from(b));
    }
}

/// Appends `n` in Persian digits (۰–۹), without padding.
#[inline]
pub fn push_fa_number(buf: &mut String, n: u32) {
    shenas_text::push_persian_number(buf, u64::from(n));
}

/// A number in Persian digits as a new string.
pub fn fa_number(n: u32) -> String {
    let mut s = String::new();
    push_fa_number(&mut s, n);
    s
}

/// Appends one CSV field, quoted (RFC 4180) only when it holds a comma, quote or line break.
pub fn push_csv_field(buf: &mut String, field: &str) {
    if field.contains([',', '"', '\n', '\r']) {
        buf.push('"');
        for c in field.chars() {
            if c == '"' {
                buf.push('"');
            }
            buf.push(c);
        }
        buf.push('"');
    } else {
        buf.push_str(field);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        let mut s = String::new();
        push_digits(&mut s, 7, 2);
        push_digits(&mut s, 0, 1);
        push_digits(&mut s, 123_456, 4);
        push_digits(&mut s, u32::MAX, 0);
        assert_eq!(s, format!("070123456{}", u32::MAX));
        assert_eq!(fa_number(1_402), "۱۴۰۲");
        assert_eq!(fa_number(0), "۰");
    }

    #[test]
    fn quoting() {
        let mut s = String::new();
        push_csv_field(&mut s, "plain، text");
        s.push(',');
        push_csv_field(&mut s, "a,\"b\"");
        assert_eq!(s, "plain، text,\"a,\"\"b\"\"\"");
    }
}
