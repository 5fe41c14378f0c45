//! Token amounts between their human form (`20000`, `1.5`) and base units, exactly: integer
//! arithmetic on the decimal digits, never a float.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("`{0}` is not a token amount (digits with an optional decimal point, e.g. 20000 or 1.5)")]
    Malformed(String),
    #[error("`{input}` has more than {decimals} decimal places (the mint's precision)")]
    TooPrecise { input: String, decimals: u8 },
    #[error("`{0}` is too large for a u64 amount of base units")]
    TooLarge(String),
}

/// Parses a human amount into base units of a mint with `decimals` decimals.
/// `parse_amount("1.5", 6) == Ok(1_500_000)`; more fractional digits than `decimals` is an error
/// (nothing is silently rounded). Underscores and commas as digit separators are accepted.
pub fn parse_amount(input: &str, decimals: u8) -> Result<u64, AmountError> {
    let malformed = || AmountError::Malformed(input.to_string());
    let cleaned: String = input.trim().chars().filter(|c| *c != '_' && *c != ',').collect();
    let (whole, frac) = match cleaned.split_once('.') {
        Some((w, f)) => (w, f),
        None => (cleaned.as_str(), ""),
    };
    if whole.is_empty() && frac.is_empty() {
        return Err(malformed());
    }
    if !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return Err(malformed());
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > usize::from(decimals) {
        return Err(AmountError::TooPrecise { input: input.to_string(), decimals });
    }
    let too_large = || AmountError::TooLarge(input.to_string());
    let scale = 10u128.checked_pow(u32::from(decimals)).ok_or_else(too_large)?;
    let whole_v: u128 = if whole.is_empty() {
        0
    } else {
        let digits = whole.trim_start_matches('0');
        if digits.len() > 20 {
            return Err(too_large());
        }
        if digits.is_empty() {
            0
        } else {
            digits.parse().map_err(|_| too_large())?
        }
    };
    let frac_v: u128 = if frac.is_empty() {
        0
    } else {
        let pad = u32::from(decimals) - frac.len() as u32;
        let f: u128 = frac.parse().map_err(|_| malformed())?;
        f.checked_mul(10u128.pow(pad)).ok_or_else(too_large)?
    };
    let total = whole_v.checked_mul(scale).and_then(|w| w.checked_add(frac_v)).ok_or_else(too_large)?;
    u64::try_from(total).map_err(|_| too_large())
}

/// Formats base units as a human amount: `format_amount(1_500_000, 6) == "1.5"`, no trailing zeros.
pub fn format_amount(base: u128, decimals: u8) -> String {
    let s = base.to_string();
    let d = usize::from(decimals);
    if d == 0 {
        return s;
    }
    let padded = if s.len() <= d { format!("{}{}", "0".repeat(d - s.len() + 1), s) } else { s };
    let (whole, frac) = padded.split_at(padded.len() - d);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        whole.to_string()
    } else {
        format!("{whole}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly() {
        assert_eq!(parse_amount("20000", 6), Ok(20_000_000_000));
        assert_eq!(parse_amount("1.5", 6), Ok(1_500_000));
        assert_eq!(parse_amount("0.000001", 6), Ok(1));
        assert_eq!(parse_amount(".5", 6), Ok(500_000));
        assert_eq!(parse_amount("5.", 6), Ok(5_000_000));
        assert_eq!(parse_amount("1.500000000", 6), Ok(1_500_000), "trailing zeros are not precision");
        assert_eq!(parse_amount("1_000_000", 0), Ok(1_000_000));
        assert_eq!(parse_amount("18446744073709.551615", 6), Ok(u64::MAX));
        assert_eq!(parse_amount("18446744073709551615", 0), Ok(u64::MAX));
        assert_eq!(parse_amount("0", 9), Ok(0));
        assert_eq!(parse_amount("000012", 2), Ok(1200));
    }

    #[test]
    fn rejects_what_it_cannot_represent() {
        assert!(matches!(parse_amount("1.0000001", 6), Err(AmountError::TooPrecise { decimals: 6, .. })));
        assert!(matches!(parse_amount("0.5", 0), Err(AmountError::TooPrecise { .. })));
        assert!(matches!(parse_amount("18446744073709.551616", 6), Err(AmountError::TooLarge(_))));
        assert!(matches!(parse_amount("99999999999999999999999", 0), Err(AmountError::TooLarge(_))));
        for bad in ["", ".", "-1", "1e6", "1.2.3", "abc", "1 000", "+5", "0x10"] {
            assert!(matches!(parse_amount(bad, 6), Err(AmountError::Malformed(_))), "{bad:?}");
        }
    }

    #[test]
    fn formats_and_round_trips() {
        assert_eq!(format_amount(1_500_000, 6), "1.5");
        assert_eq!(format_amount(1, 6), "0.000001");
        assert_eq!(format_amount(0, 6), "0");
        assert_eq!(format_amount(20_000_000_000, 6), "20000");
        assert_eq!(format_amount(u128::from(u64::MAX), 6), "18446744073709.551615");
        assert_eq!(format_amount(42, 0), "42");
        for (v, d) in [(0u64, 6u8), (1, 9), (123_456_789, 3), (u64::MAX, 0), (u64::MAX, 19), (10, 1)] {
            assert_eq!(parse_amount(&format_amount(u128::from(v), d), d), Ok(v), "{v} at {d}");
        }
    }
}
