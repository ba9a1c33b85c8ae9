//! `json!`, the subset of serde_json's macro the project writes.

/// Builds a [`Value`](crate::Value) from JSON-like syntax, as serde_json's `json!`:
/// `null`, arrays `[...]`, objects `{"name": value, ...}` with string-literal names, nested
/// freely, and any expression whose type is [`ToValue`](crate::ToValue) (`true`, `7`, `"s"`, a
/// `String`, a `Value`, an `Option`, a slice...), converted by reference as serde_json does, so
/// nothing is moved. Trailing commas are accepted. Names must be string literals.
#[macro_export]
macro_rules! json {
    // Array elements, accumulated as expressions.
    (@array [$($done:expr,)*]) => {
        ::std::vec![$($done,)*]
    };
    (@array [$($done:expr,)*] null $(, $($rest:tt)*)?) => {
        $crate::json!(@array [$($done,)* $crate::Value::Null,] $($($rest)*)?)
    };
    (@array [$($done:expr,)*] [$($inner:tt)*] $(, $($rest:tt)*)?) => {
        $crate::json!(@array [$($done,)* $crate::json!([$($inner)*]),] $($($rest)*)?)
    };
    (@array [$($done:expr,)*] {$($inner:tt)*} $(, $($rest:tt)*)?) => {
        $crate::json!(@array [$($done,)* $crate::json!({$($inner)*}),] $($($rest)*)?)
    };
    (@array [$($done:expr,)*] $next:expr $(, $($rest:tt)*)?) => {
        $crate::json!(@array [$($done,)* $crate::ToValue::to_value(&$next),] $($($rest)*)?)
    };

    // Object members, inserted into `$map` one by one.
    (@object $map:ident) => {};
    (@object $map:ident $name:literal : null $(, $($rest:tt)*)?) => {
        $map.insert(::std::string::String::from($name), $crate::Value::Null);
        $crate::json!(@object $map $($($rest)*)?);
    };
    (@object $map:ident $name:literal : [$($inner:tt)*] $(, $($rest:tt)*)?) => {
        $map.insert(::std::string::String::from($name), $crate::json!([$($inner)*]));
        $crate::json!(@object $map $($($rest)*)?);
    };
    (@object $map:ident $name:literal : {$($inner:tt)*} $(, $($rest:tt)*)?) => {
        $map.insert(::std::string::String::from($name), $crate::json!({$($inner)*}));
        $crate::json!(@object $map $($($rest)*)?);
    };
    (@object $map:ident $name:literal : $value:expr $(, $($rest:tt)*)?) => {
        $map.insert(::std::string::String::from($name), $crate::ToValue::to_value(&$value));
        $crate::json!(@object $map $($($rest)*)?);
    };

    (null) => {
        $crate::Value::Null
    };
    ([$($inner:tt)*]) => {
        $crate::Value::Array($crate::json!(@array [] $($inner)*))
    };
    ({$($inner:tt)*}) => {
        $crate::Value::Object({
            #[allow(unused_mut)]
            let mut map = $crate::Map::new();
            $crate::json!(@object map $($inner)*);
            map
        })
    };
    ($other:expr) => {
        $crate::ToValue::to_value(&$other)
    };
}

#[cfg(test)]
mod tests {
    use crate::{Map, Value};

    #[test]
    fn json_macro_builds_the_forms_the_project_writes() {
        let id = Value::from("a");
        let message = "m";
        let code = -32000i64;
        let v = json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}});
        assert_eq!(
            crate::to_string(&v).unwrap(),
            r#"{"jsonrpc":"2.0","id":"a","error":{"code":-32000,"message":"m"}}"#
        );
        let far = u64::MAX;
        let v = json!({"exp": far, "iat": null, "aud": ["x", 1, null, [], {}, [true]], "n": -1,
            "f": 1.5, "o": {"k": {"deep": [{"a": false}]}}, "param\u{17f}": {},});
        assert_eq!(
            crate::to_string(&v).unwrap(),
            concat!(r#"{"exp":18446744073709551615,"iat":null,"aud":["x",1,null,[],{},[true]],"#,
                r#""n":-1,"f":1.5,"o":{"k":{"deep":[{"a":false}]}},"paramſ":{}}"#)
        );
        assert_eq!(json!(null), Value::Null);
        assert_eq!(json!([]), Value::Array(Vec::new()));
        assert_eq!(json!({}), Value::Object(Map::new()));
        assert_eq!(json!(7), Value::from(7));
        assert_eq!(json!([1, 2,]), json!([1, 2]));
        assert_eq!(json!("s".to_owned() + "t"), "st");
    }

    #[test]
    fn json_macro_borrows_its_expressions_as_serde_json_does() {
        let name = String::from("n");
        let keys: Vec<Value> = vec![json!({"kid": "a"})];
        let refs: &[&Value] = &[&keys[0]];
        let doc = json!({"name": name, "keys": keys, "refs": refs, "first": keys[0]["kid"],
            "opt": Some(3u8), "none": None::<&str>, "arr": [1u8, 2u8], "unit": ()});
        // Still usable: nothing was moved.
        assert_eq!((name.len(), keys.len()), (1, 1));
        assert_eq!(
            crate::to_string(&doc).unwrap(),
            r#"{"name":"n","keys":[{"kid":"a"}],"refs":[{"kid":"a"}],"first":"a","opt":3,"none":null,"arr":[1,2],"unit":null}"#
        );
    }
}
