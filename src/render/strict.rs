//! Strict undefined in every filter, test and helper.
//!
//! minijinja's strict undefined stops a template that prints, compares or
//! tests a name that does not exist, but some of its built-in filters take
//! undefined quietly (`format`, `join`, `tojson`, `escape`, `pprint`,
//! `sum`, the `none` and `number` tests: a misspelled column read as an
//! empty string, `null` or false), and a list or map literal holding one
//! passes it on (`[row.nope] | join`). Every filter, test and function a
//! template can call goes through [`guard`], which refuses any argument
//! that is or holds undefined, keyword arguments included, before the
//! filter runs. Only `default` (`d`) and the `defined` / `undefined` tests
//! take undefined, since telling it apart is their purpose.

use minijinja::functions::Function;
use minijinja::value::{FunctionArgs, FunctionResult, Rest, ValueKind};
use minijinja::{Environment, Error, ErrorKind, State, Value, filters, tests};

use super::filters::MISSING;
use super::rows::Row;
use crate::value::QueryResult;

/// How many values of a list or map argument are looked into: literals
/// are small; a long list is data, which holds no undefined.
const LOOK_INTO: usize = 10_000;

/// Whether `value` is undefined or holds undefined in a list or map.
pub fn holds_undefined(value: &Value) -> bool {
    let mut budget = LOOK_INTO;
    holds(value, &mut budget)
}

fn holds(value: &Value, budget: &mut usize) -> bool {
    if value.is_undefined() {
        return true;
    }
    if *budget == 0
        || value.downcast_object_ref::<QueryResult>().is_some()
        || value.downcast_object_ref::<Row>().is_some()
    {
        return false;
    }
    *budget -= 1;
    // Sequences and maps only: an iterator would be used up by looking.
    match value.kind() {
        ValueKind::Seq => value.try_iter().is_ok_and(|mut items| items.any(|item| holds(&item, budget))),
        ValueKind::Map => value.try_iter().is_ok_and(|keys| {
            let keys: Vec<Value> = keys.collect();
            keys.iter().any(|key| holds(&value.get_item(key).unwrap_or_default(), budget))
        }),
        _ => false,
    }
}

/// How a built-in filter treats a missing value (NULL, NaN, infinity),
/// which laporan's own filters write as [`MISSING`].
#[derive(Clone, Copy, PartialEq)]
enum Missing {
    /// Passed on as it is.
    Kept,
    /// The filter makes text of its arguments (`join`, `format`, `upper`):
    /// a missing value in them, or in the list it is given, reads `—`,
    /// never `none`, `NaN` or `inf`.
    AsText,
    /// The filter makes a number (`int`, `round`): of a missing value, a
    /// missing value (`—` when printed), never 0 or a made-up number.
    AsNothing,
}

/// Whether `value` is a value the data does not have: NULL, NaN, infinity.
pub fn is_missing(value: &Value) -> bool {
    value.is_none()
        || (value.kind() == ValueKind::Number
            && !value.is_integer()
            && f64::try_from(value.clone()).is_ok_and(|n| !n.is_finite()))
}

/// `value` with every missing value in it, in a list or map too, as `—`.
pub fn shown(value: &Value) -> Value {
    if is_missing(value) {
        return Value::from(MISSING);
    }
    if value.downcast_object_ref::<QueryResult>().is_some() {
        return value.clone();
    }
    match value.kind() {
        ValueKind::Seq | ValueKind::Iterable => match value.try_iter() {
            Ok(items) => Value::from(items.map(|item| shown(&item)).collect::<Vec<_>>()),
            Err(_) => value.clone(),
        },
        ValueKind::Map => match value.try_iter() {
            Ok(keys) => Value::from_iter(keys.map(|key| {
                let item = value.get_item(&key).unwrap_or_default();
                (key, shown(&item))
            })),
            Err(_) => value.clone(),
        },
        _ => value.clone(),
    }
}

/// `function`, refusing undefined in any argument.
pub fn guard(function: Value) -> impl Fn(&State<'_, '_>, Rest<Value>) -> Result<Value, Error> + Send + Sync + 'static {
    guard_as(function, Missing::Kept)
}

/// [`guard`], with missing values treated as `missing` says.
fn guard_as(
    function: Value,
    missing: Missing,
) -> impl Fn(&State<'_, '_>, Rest<Value>) -> Result<Value, Error> + Send + Sync + 'static {
    move |state, args| {
        if args.iter().any(holds_undefined) {
            return Err(Error::from(ErrorKind::UndefinedError));
        }
        match missing {
            Missing::Kept => function.call(state, &args),
            Missing::AsNothing if args.first().is_some_and(is_missing) => Ok(Value::from(())),
            Missing::AsNothing => function.call(state, &args),
            Missing::AsText => {
                // Keyword arguments are options, not values.
                let args: Vec<Value> =
                    args.iter().map(|arg| if arg.is_kwargs() { arg.clone() } else { shown(arg) }).collect();
                function.call(state, &args)
            }
        }
    }
}

/// Registers a filter of laporan's own, guarded.
pub fn add_filter<F, Rv, Args>(env: &mut Environment<'static>, name: &'static str, filter: F)
where
    F: Function<Rv, Args>,
    Rv: FunctionResult,
    Args: for<'a> FunctionArgs<'a>,
{
    env.add_filter(name, guard(Value::from_function(filter)));
}

/// Registers a function of laporan's own (a helper), guarded.
pub fn add_function<F, Rv, Args>(env: &mut Environment<'static>, name: &'static str, function: F)
where
    F: Function<Rv, Args>,
    Rv: FunctionResult,
    Args: for<'a> FunctionArgs<'a>,
{
    env.add_function(name, guard(Value::from_function(function)));
}

/// Puts minijinja's built-in filters, tests and functions behind
/// [`guard`], all but those whose purpose is to take undefined.
pub fn guard_builtins(env: &mut Environment<'static>) {
    let filters: [(&'static str, Value, Missing); 46] = [
        ("safe", Value::from_function(filters::safe), Missing::AsText),
        ("escape", Value::from_function(filters::escape), Missing::AsText),
        ("e", Value::from_function(filters::escape), Missing::AsText),
        ("lower", Value::from_function(filters::lower), Missing::AsText),
        ("upper", Value::from_function(filters::upper), Missing::AsText),
        ("title", Value::from_function(filters::title), Missing::AsText),
        ("capitalize", Value::from_function(filters::capitalize), Missing::AsText),
        ("replace", Value::from_function(filters::replace), Missing::AsText),
        ("length", Value::from_function(filters::length), Missing::Kept),
        ("count", Value::from_function(filters::length), Missing::Kept),
        ("dictsort", Value::from_function(filters::dictsort), Missing::Kept),
        ("items", Value::from_function(filters::items), Missing::Kept),
        ("reverse", Value::from_function(filters::reverse), Missing::Kept),
        ("trim", Value::from_function(filters::trim), Missing::AsText),
        ("join", Value::from_function(filters::join), Missing::AsText),
        ("split", Value::from_function(filters::split), Missing::Kept),
        ("lines", Value::from_function(filters::lines), Missing::Kept),
        ("round", Value::from_function(filters::round), Missing::AsNothing),
        ("abs", Value::from_function(filters::abs), Missing::AsNothing),
        ("int", Value::from_function(filters::int), Missing::AsNothing),
        ("float", Value::from_function(filters::float), Missing::AsNothing),
        ("attr", Value::from_function(filters::attr), Missing::Kept),
        ("first", Value::from_function(filters::first), Missing::Kept),
        ("last", Value::from_function(filters::last), Missing::Kept),
        ("min", Value::from_function(filters::min), Missing::Kept),
        ("max", Value::from_function(filters::max), Missing::Kept),
        ("sort", Value::from_function(filters::sort), Missing::Kept),
        ("list", Value::from_function(filters::list), Missing::Kept),
        ("string", Value::from_function(filters::string), Missing::AsText),
        ("bool", Value::from_function(filters::bool), Missing::Kept),
        ("batch", Value::from_function(filters::batch), Missing::Kept),
        ("slice", Value::from_function(filters::slice), Missing::Kept),
        ("sum", Value::from_function(filters::sum), Missing::Kept),
        ("indent", Value::from_function(filters::indent), Missing::AsText),
        ("select", Value::from_function(filters::select), Missing::Kept),
        ("reject", Value::from_function(filters::reject), Missing::Kept),
        ("selectattr", Value::from_function(filters::selectattr), Missing::Kept),
        ("rejectattr", Value::from_function(filters::rejectattr), Missing::Kept),
        ("map", Value::from_function(filters::map), Missing::Kept),
        ("groupby", Value::from_function(filters::groupby), Missing::Kept),
        ("unique", Value::from_function(filters::unique), Missing::Kept),
        ("chain", Value::from_function(filters::chain), Missing::Kept),
        ("zip", Value::from_function(filters::zip), Missing::Kept),
        ("pprint", Value::from_function(filters::pprint), Missing::AsText),
        ("format", Value::from_function(filters::format), Missing::AsText),
        ("tojson", Value::from_function(filters::tojson), Missing::Kept),
    ];
    for (name, filter, missing) in filters {
        env.add_filter(name, guard_as(filter, missing));
    }
    let tests: [(&'static str, Value); 40] = [
        ("none", Value::from_function(tests::is_none)),
        ("safe", Value::from_function(tests::is_safe)),
        ("escaped", Value::from_function(tests::is_safe)),
        ("boolean", Value::from_function(tests::is_boolean)),
        ("odd", Value::from_function(tests::is_odd)),
        ("even", Value::from_function(tests::is_even)),
        ("divisibleby", Value::from_function(tests::is_divisibleby)),
        ("number", Value::from_function(tests::is_number)),
        ("integer", Value::from_function(tests::is_integer)),
        ("int", Value::from_function(tests::is_integer)),
        ("float", Value::from_function(tests::is_float)),
        ("string", Value::from_function(tests::is_string)),
        ("sequence", Value::from_function(tests::is_sequence)),
        ("iterable", Value::from_function(tests::is_iterable)),
        ("mapping", Value::from_function(tests::is_mapping)),
        ("startingwith", Value::from_function(tests::is_startingwith)),
        ("endingwith", Value::from_function(tests::is_endingwith)),
        ("lower", Value::from_function(tests::is_lower)),
        ("upper", Value::from_function(tests::is_upper)),
        ("sameas", Value::from_function(tests::is_sameas)),
        ("eq", Value::from_function(tests::is_eq)),
        ("equalto", Value::from_function(tests::is_eq)),
        ("==", Value::from_function(tests::is_eq)),
        ("ne", Value::from_function(tests::is_ne)),
        ("!=", Value::from_function(tests::is_ne)),
        ("lt", Value::from_function(tests::is_lt)),
        ("lessthan", Value::from_function(tests::is_lt)),
        ("<", Value::from_function(tests::is_lt)),
        ("le", Value::from_function(tests::is_le)),
        ("<=", Value::from_function(tests::is_le)),
        ("gt", Value::from_function(tests::is_gt)),
        ("greaterthan", Value::from_function(tests::is_gt)),
        (">", Value::from_function(tests::is_gt)),
        ("ge", Value::from_function(tests::is_ge)),
        (">=", Value::from_function(tests::is_ge)),
        ("in", Value::from_function(tests::is_in)),
        ("true", Value::from_function(tests::is_true)),
        ("false", Value::from_function(tests::is_false)),
        ("filter", Value::from_function(tests::is_filter)),
        ("test", Value::from_function(tests::is_test)),
    ];
    for (name, test) in tests {
        env.add_test(name, guard(test));
    }
    let functions: [(&'static str, Value); 3] = [
        ("range", Value::from_function(minijinja::functions::range)),
        ("dict", Value::from_function(minijinja::functions::dict)),
        ("namespace", Value::from_function(minijinja::functions::namespace)),
    ];
    for (name, function) in functions {
        env.add_function(name, guard(function));
    }
}
