//! The attribute's arguments, `key` or `key = value` separated by commas, and the readers of
//! their values. The value readers work on the literal's source text, so they are plain
//! functions with unit tests.

use proc_macro::{Delimiter, Ident, Span, TokenStream, TokenTree};
use std::time::Duration;

use crate::error::Error;

/// One `key` or `key = value` argument.
pub(crate) struct Arg {
    pub(crate) key: Ident,
    pub(crate) value: Option<TokenTree>,
}

impl Arg {
    pub(crate) fn name(&self) -> String {
        self.key.to_string()
    }

    /// Where a bad value is underlined: the value, or the key when there is none.
    fn value_span(&self) -> Span {
        self.value.as_ref().map_or(self.key.span(), TokenTree::span)
    }

    /// `key` alone means true; `key = true` or `key = false` say so.
    pub(crate) fn flag(&self) -> Result<bool, Error> {
        match &self.value {
            None => Ok(true),
            Some(TokenTree::Ident(b)) if b.to_string() == "true" => Ok(true),
            Some(TokenTree::Ident(b)) if b.to_string() == "false" => Ok(false),
            Some(_) => Err(self.bad_value("`true` or `false` (or the name alone)")),
        }
    }

    /// `key = 12` (underscores and an integer suffix allowed), at least `min`.
    pub(crate) fn whole_number(&self, min: u64) -> Result<u64, Error> {
        let expected = if min == 0 {
            "a whole number".to_owned()
        } else {
            format!("a whole number of at least {min}")
        };
        match &self.value {
            Some(TokenTree::Literal(lit)) => match parse_whole_number(&lit.to_string()) {
                Some(n) if n >= min => Ok(n),
                _ => Err(self.bad_value(&expected)),
            },
            _ => Err(self.bad_value(&expected)),
        }
    }

    /// `key = "text"`: the text of a plain string literal.
    pub(crate) fn string(&self, expected: &str) -> Result<String, Error> {
        match &self.value {
            Some(TokenTree::Literal(lit)) => {
                parse_string(&lit.to_string()).ok_or_else(|| self.bad_value(expected))
            }
            _ => Err(self.bad_value(expected)),
        }
    }

    pub(crate) fn bad_value(&self, expected: &str) -> Error {
        Error::new(
            self.value_span(),
            format!("`{}` expects {expected}", self.key),
        )
    }
}

/// Splits `args` at its commas into options; `allowed` lists the valid keys, for the message
/// an unknown one gets. A key given twice is an error.
pub(crate) fn parse_args(args: TokenStream, attr: &str, allowed: &str) -> Result<Vec<Arg>, Error> {
    let mut parsed: Vec<Arg> = Vec::new();
    let mut tokens = args.into_iter().peekable();
    while let Some(token) = tokens.next() {
        let key = match token {
            TokenTree::Ident(key) => key,
            other => {
                return Err(Error::new(
                    other.span(),
                    format!("expected an option of {attr}: {allowed}"),
                ))
            }
        };
        let value = match tokens.peek() {
            Some(TokenTree::Punct(eq)) if eq.as_char() == '=' => {
                let eq = eq.span();
                tokens.next();
                match tokens.next() {
                    Some(value) => Some(unwrap_invisible_group(value)),
                    None => return Err(Error::new(eq, format!("expected a value for `{key}`"))),
                }
            }
            _ => None,
        };
        match tokens.next() {
            None => {}
            Some(TokenTree::Punct(comma)) if comma.as_char() == ',' => {}
            Some(other) => {
                return Err(Error::new(
                    other.span(),
                    "expected `,` between options (a value is one literal)",
                ))
            }
        }
        if parsed.iter().any(|o| o.name() == key.to_string()) {
            return Err(Error::new(key.span(), format!("`{key}` is given twice")));
        }
        parsed.push(Arg { key, value });
    }
    Ok(parsed)
}

/// A value passed through a `macro_rules!` fragment arrives wrapped in an invisible group.
fn unwrap_invisible_group(token: TokenTree) -> TokenTree {
    if let TokenTree::Group(g) = &token {
        if g.delimiter() == Delimiter::None {
            let mut inner = g.stream().into_iter();
            if let (Some(only), None) = (inner.next(), inner.next()) {
                return only;
            }
        }
    }
    token
}

/// The value of an integer literal's source text: decimal, `_` separators, an optional
/// unsigned or signed integer suffix (`4`, `1_000`, `8usize`).
pub(crate) fn parse_whole_number(text: &str) -> Option<u64> {
    const SUFFIXES: [&str; 12] = [
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
    ];
    let digits = SUFFIXES
        .iter()
        .find_map(|s| text.strip_suffix(s))
        .unwrap_or(text);
    let digits: String = digits.chars().filter(|&c| c != '_').collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The text of a plain string literal's source text (`"10s"`); raw strings too. Escapes are
/// not decoded: a value with a backslash is refused.
pub(crate) fn parse_string(text: &str) -> Option<String> {
    let inner = if let Some(raw) = text.strip_prefix('r') {
        let hashes = raw.len() - raw.trim_start_matches('#').len();
        raw.get(hashes..raw.len().checked_sub(hashes)?)?
    } else {
        text
    };
    let inner = inner.strip_prefix('"')?.strip_suffix('"')?;
    (!text.starts_with('"') || !inner.contains('\\')).then(|| inner.to_owned())
}

/// A time limit's text: `"500ms"`, `"10s"`, `"2m"`, or `"none"` (`Ok(None)`: no limit).
pub(crate) fn parse_time_limit(text: &str) -> Result<Option<Duration>, ()> {
    if text == "none" {
        return Ok(None);
    }
    let (number, unit_ms) = if let Some(n) = text.strip_suffix("ms") {
        (n, 1)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1_000)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60_000)
    } else {
        return Err(());
    };
    match parse_whole_number(number).and_then(|n| n.checked_mul(unit_ms)) {
        Some(ms) if ms > 0 && !number.contains(char::is_alphabetic) => {
            Ok(Some(Duration::from_millis(ms)))
        }
        _ => Err(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_take_separators_and_suffixes() {
        assert_eq!(parse_whole_number("4"), Some(4));
        assert_eq!(parse_whole_number("1_000"), Some(1000));
        assert_eq!(parse_whole_number("8usize"), Some(8));
        assert_eq!(parse_whole_number("7u64"), Some(7));
        assert_eq!(parse_whole_number("18446744073709551615"), Some(u64::MAX));
    }

    #[test]
    fn what_is_not_a_whole_number_is_refused() {
        for text in [
            "",
            "_",
            "-1",
            "1.5",
            "0x10",
            "\"4\"",
            "4f32",
            "u8",
            "99999999999999999999",
        ] {
            assert_eq!(parse_whole_number(text), None, "{text}");
        }
    }

    #[test]
    fn strings_plain_and_raw() {
        assert_eq!(parse_string("\"10s\"").as_deref(), Some("10s"));
        assert_eq!(parse_string("r\"10s\"").as_deref(), Some("10s"));
        assert_eq!(parse_string("r#\"10s\"#").as_deref(), Some("10s"));
        assert_eq!(parse_string("\"\"").as_deref(), Some(""));
        assert_eq!(parse_string("\"a\\n\"").as_deref(), None);
        assert_eq!(parse_string("10"), None);
        assert_eq!(parse_string("b\"10s\""), None);
        assert_eq!(parse_string("'c'"), None);
    }

    #[test]
    fn time_limits_in_milliseconds_seconds_and_minutes() {
        let ms = |n| Ok(Some(Duration::from_millis(n)));
        assert_eq!(parse_time_limit("500ms"), ms(500));
        assert_eq!(parse_time_limit("10s"), ms(10_000));
        assert_eq!(parse_time_limit("2m"), ms(120_000));
        assert_eq!(parse_time_limit("1_500ms"), ms(1_500));
        assert_eq!(parse_time_limit("none"), Ok(None));
    }

    #[test]
    fn bad_time_limits_are_refused() {
        for text in [
            "",
            "10",
            "0s",
            "0ms",
            "s",
            "ms",
            "1.5s",
            "10 s",
            "-1s",
            "1h",
            "10sec",
            "2min",
            "Nones",
            "none ",
            "10usizes",
            "99999999999999999999m",
            "18446744073709551615m",
        ] {
            assert_eq!(parse_time_limit(text), Err(()), "{text}");
        }
    }
}
