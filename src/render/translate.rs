//! `t("key", name=value…)`: a message of the report's locale, from the
//! project's catalogues (see [`crate::project::messages`]). The message is
//! text like any value: the output escapes it, and the values put into it.
//! `default=` is what a key missing from the catalogue gives (for keys
//! made from data, such as `t("crime." ~ row.crime_type, default=row.crime_type)`).

use std::sync::Arc;

use minijinja::value::{Kwargs, ValueKind};
use minijinja::{ErrorKind, State, Value};

use crate::locale::Locale;
use crate::project::messages::{Message, Messages, fill};

/// The `t` function over `messages`.
pub(super) fn function(
    messages: Arc<Messages>,
) -> impl Fn(&State<'_, '_>, &str, Kwargs) -> Result<Value, minijinja::Error> + Send + Sync + 'static {
    move |state, key, kwargs| {
        let error = |message: String| minijinja::Error::new(ErrorKind::InvalidOperation, message);
        let locale: Locale =
            state.lookup("locale").and_then(|l| l.as_str().and_then(|tag| tag.parse().ok())).unwrap_or_default();
        let fallback: Option<Value> = kwargs.get("default")?;
        let Some(message) = messages.get(locale, key) else {
            if let Some(fallback) = fallback {
                return Ok(fallback);
            }
            return Err(error(match messages.file(locale) {
                None => format!(
                    "t(\"{key}\"): there are no messages in {locale}: add report_templates/_messages/{locale}.toml"
                ),
                Some(file) => {
                    let keys = messages.keys(locale);
                    let near =
                        super::rows::closest(key, &keys).map(|k| format!(" (did you mean {k}?)")).unwrap_or_default();
                    format!("t(\"{key}\"): message {key} is not in {}{near}", file.display())
                }
            }));
        };
        let mut values = Vec::new();
        for name in kwargs.args().filter(|n| *n != "default") {
            let value: Value = kwargs.get(name)?;
            if matches!(value.kind(), ValueKind::Undefined) {
                return Err(minijinja::Error::from(ErrorKind::UndefinedError));
            }
            let text = if value.is_none() { super::filters::MISSING.to_owned() } else { value.to_string() };
            values.push((name.to_owned(), text));
        }
        let text = match message {
            Message::Text(text) => text,
            Message::Plural { one, other } => {
                let count: Value = kwargs.get("count").map_err(|_| {
                    error(format!("t(\"{key}\"): the message has a form for one and for other counts: pass count=…"))
                })?;
                let count = count.as_i64().or_else(|| count.as_str().and_then(|t| t.trim().parse().ok()));
                if count == Some(1) { one } else { other }
            }
        };
        let filled = fill(text, &values).map_err(|e| error(format!("t(\"{key}\"): {e}")))?;
        Ok(Value::from(filled))
    }
}
