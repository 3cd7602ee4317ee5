//! JSON text ⇄ JS values, through the JS engine's own `JSON.stringify` / `JSON.parse` (so objects
//! are serialised exactly as JavaScript would).

use napi::bindgen_prelude::{Function, JsObjectValue, Object, Unknown};
use napi::{Env, ValueType};

use crate::error::{Result, internal, invalid_argument};

/// `JSON.stringify(value)`; values it cannot serialise (functions, `undefined`, cycles, BigInts)
/// are `INVALID_ARGUMENT` naming `name`.
pub fn stringify(env: &Env, value: Unknown<'_>, name: &str) -> Result<String> {
    let stringify: Function<Unknown, Unknown> = json_function(env, "stringify")?;
    let text = stringify.call(value).map_err(|error| {
        invalid_argument(name, format!("not serialisable as JSON: {}", error.reason))
    })?;
    if text.get_type().map_err(internal)? != ValueType::String {
        return Err(invalid_argument(name, "not serialisable as JSON"));
    }
    crate::args::string(text, name)
}

/// `JSON.parse(text)` of JSON the core produced.
pub fn parse<'env>(env: &'env Env, text: &str) -> Result<Unknown<'env>> {
    let parse: Function<String, Unknown> = json_function(env, "parse")?;
    parse.call(text.to_owned()).map_err(internal)
}

fn json_function<'env, Args, Return>(
    env: &'env Env,
    name: &str,
) -> Result<Function<'env, Args, Return>>
where
    Args: napi::bindgen_prelude::JsValuesTupleIntoVec,
{
    let global = env.get_global().map_err(internal)?;
    let json: Object = global.get_named_property("JSON").map_err(internal)?;
    json.get_named_property(name).map_err(internal)
}
