//! Doubles as Python's `repr(float)` writes them (what `json.dumps` emits): the shortest digits that
//! read back to the same double (ties to even), positional when the decimal exponent is in `-4 ≤ e < 16` (with `.0`
//! when there is no fraction), otherwise `d.ddde±XX` with at least two exponent digits.

/// Appends the Python form of the finite double `value` to `out`.
pub fn write_python_float(value: f64, out: &mut Vec<u8>) {
    let mut buffer = ryu::Buffer::new();
    // Shortest round-trip digits, ties to even like Python: `1e16`, `0.001234`, `-1.5e-7`, `0.0`.
    let text = buffer.format_finite(value);
    let (sign, text) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (mantissa, exponent) = match text.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().expect("ryu writes a decimal exponent")),
        None => (text, 0),
    };
    let dot = mantissa.find('.').unwrap_or(mantissa.len()) as i32;
    let all_digits: Vec<u8> = mantissa.bytes().filter(|&b| b != b'.').collect();
    let leading_zeros = all_digits.iter().take_while(|&&d| d == b'0').count();
    let end = all_digits
        .iter()
        .rposition(|&d| d != b'0')
        .map_or(leading_zeros, |i| i + 1);
    let significant = &all_digits[leading_zeros..end];
    out.extend_from_slice(sign.as_bytes());
    if significant.is_empty() {
        out.extend_from_slice(b"0.0");
        return;
    }
    // Python's rule is on the position of the decimal point relative to the digits (0.d1d2… ×
    // 10^point): positional when -4 < point <= 16.
    let point = dot + exponent - leading_zeros as i32;
    if (-3..=16).contains(&point) {
        write_positional(significant, point, out);
    } else {
        let (first, rest) = significant.split_at(1);
        out.extend_from_slice(first);
        if !rest.is_empty() {
            out.push(b'.');
            out.extend_from_slice(rest);
        }
        let exponent = point - 1;
        let exponent_sign = if exponent < 0 { '-' } else { '+' };
        out.extend_from_slice(format!("e{exponent_sign}{:02}", exponent.unsigned_abs()).as_bytes());
    }
}

fn write_positional(digits: &[u8], point: i32, out: &mut Vec<u8>) {
    let len = digits.len() as i32;
    if point <= 0 {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', point.unsigned_abs() as usize));
        out.extend_from_slice(digits);
    } else if point >= len {
        out.extend_from_slice(digits);
        out.extend(std::iter::repeat_n(b'0', (point - len) as usize));
        out.extend_from_slice(b".0");
    } else {
        let (whole, fraction) = digits.split_at(point as usize);
        out.extend_from_slice(whole);
        out.push(b'.');
        out.extend_from_slice(fraction);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_python_repr() {
        for (value, python) in [
            (1.0, "1.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (0.1, "0.1"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123456789012345680.0, "1.2345678901234568e+17"),
            (1e-7, "1e-07"),
            (1e-4, "0.0001"),
            (1e-5, "1e-05"),
            (1.5e300, "1.5e+300"),
            (-2.5e-308, "-2.5e-308"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (123.456, "123.456"),
            (0.001234, "0.001234"),
            // A tie between two 17-digit forms: Python rounds half to even.
            (1.0207167286969933e15, "1020716728696993.2"),
        ] {
            let mut out = Vec::new();
            write_python_float(value, &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), python, "{value:e}");
        }
    }
}
