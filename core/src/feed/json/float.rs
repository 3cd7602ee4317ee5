//! Doubles as Python's `repr(float)` writes them (what `json.dumps` emits): the shortest digits that
//! read back to the same double, positional when the decimal exponent is in `-4 ≤ e < 16` (with `.0`
//! when there is no fraction), otherwise `d.ddde±XX` with at least two exponent digits.

/// Appends the Python form of the finite double `value` to `out`.
pub fn write_python_float(value: f64, out: &mut Vec<u8>) {
    // Rust's `{:e}` gives the same shortest round-trip digits: `-1.2345e-7`, `0e0`.
    let scientific = format!("{value:e}");
    let (mantissa, exponent) = scientific
        .split_once('e')
        .expect("`{:e}` always writes an exponent");
    let exponent: i32 = exponent.parse().expect("`{:e}` writes a decimal exponent");
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|&c| c != '.').collect();
    out.extend_from_slice(sign.as_bytes());
    // Python's rule is on the position of the decimal point: decpt = exponent + 1, positional when
    // -4 < decpt <= 16.
    let point = exponent + 1;
    if (-3..=16).contains(&point) {
        write_positional(&digits, point, out);
    } else {
        let (first, rest) = digits.split_at(1);
        out.extend_from_slice(first.as_bytes());
        if !rest.is_empty() {
            out.push(b'.');
            out.extend_from_slice(rest.as_bytes());
        }
        let exponent_sign = if exponent < 0 { '-' } else { '+' };
        out.extend_from_slice(format!("e{exponent_sign}{:02}", exponent.unsigned_abs()).as_bytes());
    }
}

fn write_positional(digits: &str, point: i32, out: &mut Vec<u8>) {
    let len = digits.len() as i32;
    if point <= 0 {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', point.unsigned_abs() as usize));
        out.extend_from_slice(digits.as_bytes());
    } else if point >= len {
        out.extend_from_slice(digits.as_bytes());
        out.extend(std::iter::repeat_n(b'0', (point - len) as usize));
        out.extend_from_slice(b".0");
    } else {
        let (whole, fraction) = digits.split_at(point as usize);
        out.extend_from_slice(whole.as_bytes());
        out.push(b'.');
        out.extend_from_slice(fraction.as_bytes());
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
        ] {
            let mut out = Vec::new();
            write_python_float(value, &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), python, "{value:e}");
        }
    }
}
