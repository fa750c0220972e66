//! `#[baton::test]`: an `async fn` becomes a `#[test] fn` that runs its body on a fresh event
//! loop with the paused clock, under a real-time limit, for one seed or a sweep of seeds.

use proc_macro::{Delimiter, TokenStream};

use crate::args::{parse_args, parse_time_limit};
use crate::emit::{call, code, group, with_body};
use crate::error::Error;
use crate::item::Attribute;

const ATTR: &str = "#[baton::test]";
const ALLOWED: &str = "`seed = N`, `seeds = N`, `time_limit = \"10s\"`, `real_clock`, `debug`";

/// The builder calls on `::baton::__private::test()` the arguments ask for, in order:
/// `seed(7)`, `seeds(5)`, `debug()`, `real_clock()`, `time_limit_ms(500)`, `no_time_limit()`.
fn options(args: TokenStream) -> Result<Vec<String>, Error> {
    let mut calls = Vec::new();
    let mut seed_given: Option<String> = None;
    for arg in parse_args(args, ATTR, ALLOWED)? {
        let name = arg.name();
        match name.as_str() {
            "seed" | "seeds" => {
                if let Some(first) = &seed_given {
                    return Err(Error::new(
                        arg.key.span(),
                        format!(
                            "`{first}` and `{name}` do not go together: `seed = N` runs seed N, \
                             `seeds = N` runs seeds 0..N"
                        ),
                    ));
                }
                let min = if name == "seeds" { 1 } else { 0 };
                calls.push(format!("{name}({})", arg.whole_number(min)?));
                seed_given = Some(name);
            }
            "debug" | "real_clock" => {
                if arg.flag()? {
                    calls.push(format!("{name}()"));
                }
            }
            "time_limit" => {
                const EXPECTED: &str =
                    "a duration such as \"500ms\", \"10s\" or \"2m\", or \"none\"";
                let text = arg.string(EXPECTED)?;
                match parse_time_limit(&text) {
                    Ok(Some(limit)) => calls.push(format!("time_limit_ms({})", limit.as_millis())),
                    Ok(None) => calls.push("no_time_limit()".to_owned()),
                    Err(()) => return Err(arg.bad_value(EXPECTED)),
                }
            }
            _ => return Err(crate::unknown_option(&arg, ATTR, ALLOWED)),
        }
    }
    Ok(calls)
}

/// ```text
/// #[::core::prelude::v1::test]
/// #[attrs] vis fn name() -> T {
///     ::baton::__private::test().seed(7).run(|| async move { body })
/// }
/// ```
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    crate::expand_with(ATTR, options(args), item, |calls, f| {
        if let Some(test) = f.attrs.iter().find(|a| a.is_bare("test")) {
            return Err(Error::new(
                test.span(),
                format!("{ATTR} already makes the function a test: remove this `#[test]`"),
            ));
        }
        let mut run = code("::baton::__private::test()");
        for c in calls {
            run.extend(code(&format!(".{c}")));
        }
        run.extend(code("."));
        run.extend(call("run", with_body("|| async move", &f.body)));
        let mut out = code("#[::core::prelude::v1::test]");
        out.extend(f.attrs.iter().map(Attribute::tokens));
        out.extend(f.signature());
        out.extend([group(Delimiter::Brace, run)]);
        Ok(out)
    })
}
