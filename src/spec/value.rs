//! Typed values of KDL entries, and per-environment value nodes.
//!
//! A value node takes its default as its one argument and per-environment
//! overrides as properties named after environments:
//! `replicas 2 production=3`. Decoding keeps the raw form
//! ([`PerEnvValue`]); the resolver checks the environment names and expands
//! it into one value per environment.

use kdl::KdlValue;

use super::Spanned;

/// Why a KDL value does not fit where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    pub message: String,
    pub help: Option<String>,
    /// Rule code of the diagnostic (`wrong-type` unless set).
    pub code: &'static str,
    /// Text under the value (default: "expected …").
    pub label: Option<String>,
}

impl ValueError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            help: None,
            code: "wrong-type",
            label: None,
        }
    }

    /// An unknown keyword: code `unknown-value`.
    pub fn unknown(message: impl Into<String>, label: impl Into<String>) -> Self {
        Self {
            code: "unknown-value",
            label: Some(label.into()),
            ..Self::new(message)
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// How a value is described to the user ("the integer 3", "the string \"x\"").
pub fn describe(v: &KdlValue) -> String {
    match v {
        KdlValue::String(s) => format!("the string \"{}\"", s.escape_debug()),
        KdlValue::Integer(i) => format!("the integer {i}"),
        KdlValue::Float(f) => format!("the number {f}"),
        KdlValue::Bool(b) => format!("#{b}"),
        KdlValue::Null => "#null".to_string(),
    }
}

/// A Rust type a KDL value decodes into.
pub trait FromValue: Sized {
    /// What is expected, for messages ("an integer", "a string").
    fn expected() -> String;
    fn from_value(v: &KdlValue) -> Result<Self, ValueError>;
}

fn wrong_type<T: FromValue>(v: &KdlValue) -> ValueError {
    ValueError::new(format!("expected {}, found {}", T::expected(), describe(v)))
}

impl FromValue for String {
    fn expected() -> String {
        "a string".into()
    }
    fn from_value(v: &KdlValue) -> Result<Self, ValueError> {
        match v {
            KdlValue::String(s) => Ok(s.clone()),
            KdlValue::Integer(_) | KdlValue::Float(_) => {
                Err(wrong_type::<Self>(v).help("write the number in quotes, e.g. \"1.30\""))
            }
            _ => Err(wrong_type::<Self>(v)),
        }
    }
}

impl FromValue for bool {
    fn expected() -> String {
        "`#true` or `#false`".into()
    }
    fn from_value(v: &KdlValue) -> Result<Self, ValueError> {
        match v {
            KdlValue::Bool(b) => Ok(*b),
            KdlValue::String(s) if s == "true" || s == "false" => {
                Err(wrong_type::<Self>(v).help(format!("KDL 2 booleans are written `#{s}`")))
            }
            _ => Err(wrong_type::<Self>(v)),
        }
    }
}

macro_rules! int_value {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn expected() -> String {
                if <$t>::MAX as u128 >= u32::MAX as u128 {
                    "a whole number (0 or more)".to_string()
                } else {
                    format!("a whole number from {} to {}", <$t>::MIN, <$t>::MAX)
                }
            }
            fn from_value(v: &KdlValue) -> Result<Self, ValueError> {
                match v {
                    KdlValue::Integer(i) => <$t>::try_from(*i).map_err(|_| {
                        ValueError::new(format!("{} is out of range: expected {}", i, Self::expected()))
                            .help(format!("write {}", Self::expected()))
                    }),
                    KdlValue::String(s) if s.trim().parse::<i128>().is_ok() => Err(wrong_type::<Self>(v)
                        .help(format!("write the number without quotes: {}", s.trim()))),
                    _ => Err(wrong_type::<Self>(v)),
                }
            }
        }
    )*};
}
int_value!(u8, u16, u32);

impl FromValue for f64 {
    fn expected() -> String {
        "a number".into()
    }
    fn from_value(v: &KdlValue) -> Result<Self, ValueError> {
        match v {
            // Precision loss only beyond 2^53, far outside any sensible threshold.
            KdlValue::Integer(i) => Ok(*i as f64),
            KdlValue::Float(f) if f.is_finite() => Ok(*f),
            KdlValue::Float(_) => Err(ValueError::new("expected a finite number")),
            _ => Err(wrong_type::<Self>(v)),
        }
    }
}

/// A plain scalar rendered as text: configuration values (`config PORT 8080`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scalar(pub String);

impl FromValue for Scalar {
    fn expected() -> String {
        "a string, number or boolean".into()
    }
    fn from_value(v: &KdlValue) -> Result<Self, ValueError> {
        match v {
            KdlValue::String(s) => Ok(Scalar(s.clone())),
            KdlValue::Integer(i) => Ok(Scalar(i.to_string())),
            KdlValue::Float(f) => Ok(Scalar(f.to_string())),
            KdlValue::Bool(b) => Ok(Scalar(b.to_string())),
            KdlValue::Null => Err(wrong_type::<Self>(v)),
        }
    }
}

/// A Kubernetes quantity (`"100m"`, `"256Mi"`, `1`), kept as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quantity(pub String);

impl FromValue for Quantity {
    fn expected() -> String {
        "a Kubernetes quantity such as \"250m\", \"512Mi\" or 1".into()
    }
    fn from_value(v: &KdlValue) -> Result<Self, ValueError> {
        let text = match v {
            KdlValue::String(s) => s.clone(),
            KdlValue::Integer(i) if *i >= 0 => i.to_string(),
            KdlValue::Float(f) if f.is_finite() && *f >= 0.0 => f.to_string(),
            _ => return Err(wrong_type::<Self>(v)),
        };
        if is_quantity(&text) {
            Ok(Quantity(text))
        } else {
            Err(ValueError::new(format!(
                "\"{}\" is not a Kubernetes quantity",
                text.escape_debug()
            ))
            .help(
                "write a number with an optional suffix: m (milli-CPU), Ki, Mi, Gi, Ti, k, M, G, T",
            ))
        }
    }
}

/// `<digits>[.<digits>][suffix]` with a Kubernetes suffix.
pub fn is_quantity(s: &str) -> bool {
    let num_end = s
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
        .map_or(s.len(), |(i, _)| i);
    let (num, suffix) = s.split_at(num_end);
    let num_ok = !num.is_empty()
        && num.matches('.').count() <= 1
        && !num.starts_with('.')
        && !num.ends_with('.');
    num_ok
        && [
            "", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei",
        ]
        .contains(&suffix)
}

/// A duration in whole minutes, written `10m` or `1h`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Minutes(pub u32);

impl FromValue for Minutes {
    fn expected() -> String {
        "a duration such as 5m or 1h".into()
    }
    fn from_value(v: &KdlValue) -> Result<Self, ValueError> {
        let bad = || {
            ValueError::new(format!(
                "expected {}, found {}",
                Self::expected(),
                describe(v)
            ))
            .help("write minutes with `m` (5m) or hours with `h` (1h)")
        };
        let KdlValue::String(s) = v else {
            return Err(bad());
        };
        let (num, mult) = if let Some(n) = s.strip_suffix('m') {
            (n, 1)
        } else if let Some(n) = s.strip_suffix('h') {
            (n, 60)
        } else {
            return Err(bad());
        };
        let n: u32 = num.parse().map_err(|_| bad())?;
        match n.checked_mul(mult) {
            Some(m) if m > 0 => Ok(Minutes(m)),
            _ => Err(ValueError::new(format!("duration {s} is out of range"))
                .help("use a duration between 1m and 24h")),
        }
    }
}

/// A duration written with a unit: `300ms`, `1s`, `10m`, `1h`, `30d`.
/// Kept in milliseconds; the resolver checks the range each use allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duration {
    pub millis: u64,
}

impl Duration {
    const UNITS: &'static [(&'static str, u64)] = &[
        ("ms", 1),
        ("s", 1_000),
        ("m", 60_000),
        ("h", 3_600_000),
        ("d", 86_400_000),
    ];

    /// Whole days, if the duration is a whole number of days.
    pub fn whole_days(self) -> Option<u64> {
        self.millis
            .is_multiple_of(86_400_000)
            .then_some(self.millis / 86_400_000)
    }
}

impl FromValue for Duration {
    fn expected() -> String {
        "a duration such as \"300ms\", \"10m\" or \"30d\"".into()
    }
    fn from_value(v: &KdlValue) -> Result<Self, ValueError> {
        let bad = || {
            ValueError::new(format!("expected {}, found {}", Self::expected(), describe(v)))
                .help("write a whole number and a unit in quotes: ms, s, m (minutes), h or d (days), e.g. \"300ms\" or \"30d\"")
        };
        let KdlValue::String(s) = v else {
            return Err(bad());
        };
        let digits = s.chars().take_while(char::is_ascii_digit).count();
        let (num, unit) = s.split_at(digits);
        let Some((_, mult)) = Self::UNITS.iter().find(|(u, _)| *u == unit) else {
            return Err(bad());
        };
        let n: u64 = num.parse().map_err(|_| bad())?;
        match n.checked_mul(*mult) {
            Some(millis) if millis > 0 => Ok(Duration { millis }),
            _ => Err(ValueError::new(format!("duration {s} is out of range"))
                .help("use a duration above zero, e.g. \"300ms\" or \"30d\"")),
        }
    }
}

/// Declares a keyword enum of the spec language: its spellings, and a
/// [`FromValue`] impl that lists the allowed keywords on a mismatch.
macro_rules! keyword_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident ($what:literal) { $($(#[$vmeta:meta])* $variant:ident = $kw:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every keyword, in declaration order.
            pub const KEYWORDS: &'static [&'static str] = &[$($kw),+];
            /// What the keyword names, for messages.
            pub const WHAT: &'static str = $what;

            pub fn keyword(self) -> &'static str {
                match self { $($name::$variant => $kw),+ }
            }

            pub fn from_keyword(s: &str) -> Option<Self> {
                match s { $($kw => Some($name::$variant),)+ _ => None }
            }
        }

        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "string",
                    "enum": Self::KEYWORDS,
                    "description": format!("A {}: {}.", $what, $crate::diagnostic::list_or(Self::KEYWORDS)),
                })
            }
        }

        impl $crate::spec::FromValue for $name {
            fn expected() -> String {
                format!("{} ({})", $what, $crate::diagnostic::list_or(Self::KEYWORDS))
            }
            fn from_value(v: &kdl::KdlValue) -> Result<Self, $crate::spec::ValueError> {
                match v {
                    kdl::KdlValue::String(s) => Self::from_keyword(s).ok_or_else(|| {
                        $crate::spec::ValueError::unknown(format!("unknown {} `{}`", $what, s), format!("unknown {}", $what))
                            .help($crate::diagnostic::suggest(s, Self::KEYWORDS, "values"))
                    }),
                    other => Err($crate::spec::ValueError::new(format!(
                        "expected {}, found {}", <Self as $crate::spec::FromValue>::expected(), $crate::spec::describe(other)
                    ))),
                }
            }
        }
    };
}
pub(crate) use keyword_enum;

/// One per-environment override: `production=3`.
#[derive(Debug, Clone, PartialEq)]
pub struct Override<T> {
    /// The environment name as written (checked by the resolver).
    pub env: Spanned<String>,
    pub value: Spanned<T>,
}

/// A value node: default argument plus per-environment overrides.
#[derive(Debug, Clone, PartialEq)]
pub struct PerEnvValue<T> {
    pub default: Spanned<T>,
    pub overrides: Vec<Override<T>>,
}

impl<T> PerEnvValue<T> {
    /// A value without overrides (used for defaults of omitted nodes).
    pub fn uniform(value: Spanned<T>) -> Self {
        Self {
            default: value,
            overrides: Vec::new(),
        }
    }

    /// Every written value with its span: the default, then the overrides.
    pub fn all(&self) -> impl Iterator<Item = &Spanned<T>> {
        std::iter::once(&self.default).chain(self.overrides.iter().map(|o| &o.value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        for ok in ["1", "100m", "0.5", "256Mi", "1Gi", "2"] {
            assert!(is_quantity(ok), "{ok}");
        }
        for bad in ["", "m", "1.2.3", "12x", ".5", "-1", "1 Gi"] {
            assert!(!is_quantity(bad), "{bad}");
        }
    }

    #[test]
    fn minutes() {
        assert_eq!(
            Minutes::from_value(&KdlValue::String("10m".into())),
            Ok(Minutes(10))
        );
        assert_eq!(
            Minutes::from_value(&KdlValue::String("2h".into())),
            Ok(Minutes(120))
        );
        assert!(Minutes::from_value(&KdlValue::String("99999999999h".into())).is_err());
        assert!(Minutes::from_value(&KdlValue::String("0m".into())).is_err());
        assert!(Minutes::from_value(&KdlValue::Integer(5)).is_err());
    }

    #[test]
    fn durations() {
        let d = |s: &str| Duration::from_value(&KdlValue::String(s.into()));
        assert_eq!(d("300ms"), Ok(Duration { millis: 300 }));
        assert_eq!(d("1s"), Ok(Duration { millis: 1000 }));
        assert_eq!(d("10m"), Ok(Duration { millis: 600_000 }));
        assert_eq!(d("30d").map(Duration::whole_days), Ok(Some(30)));
        assert_eq!(d("25h").map(Duration::whole_days), Ok(None));
        for bad in ["", "ms", "0s", "1w", "1.5s", "-1s", "99999999999999999999d"] {
            assert!(d(bad).is_err(), "{bad}");
        }
        assert!(Duration::from_value(&KdlValue::Integer(30)).is_err());
    }

    #[test]
    fn integers_check_range() {
        assert_eq!(u16::from_value(&KdlValue::Integer(8080)), Ok(8080));
        assert!(u16::from_value(&KdlValue::Integer(70000)).is_err());
        assert!(u32::from_value(&KdlValue::Integer(-1)).is_err());
        assert!(
            u32::from_value(&KdlValue::String("3".into()))
                .unwrap_err()
                .help
                .is_some()
        );
    }
}
