//! `#[baton::main]`: an `async fn` becomes a plain `fn` that runs its body on a new event loop
//! (or, with `workers = N`, on worker 0 of a `Runtime`) and returns what the body returns.

use proc_macro::{Delimiter, TokenStream};

use crate::args::parse_args;
use crate::emit::{call, code, group, with_body};
use crate::error::Error;
use crate::item::Attribute;

const ATTR: &str = "#[baton::main]";
const ALLOWED: &str = "`workers = N`, `debug`, `ctrl_c = false`";

/// What the attribute's arguments ask for.
struct MainOptions {
    /// `None`: one `EventLoop` on the calling thread; `Some(n)`: a `Runtime` of `n` workers.
    workers: Option<u64>,
    debug: bool,
    /// Ctrl-C cancels the body (`baton::Runner`'s handling); `ctrl_c = false` turns it off.
    ctrl_c: bool,
}

fn options(args: TokenStream) -> Result<MainOptions, Error> {
    let mut options = MainOptions {
        workers: None,
        debug: false,
        ctrl_c: true,
    };
    for arg in parse_args(args, ATTR, ALLOWED)? {
        match arg.name().as_str() {
            "workers" => options.workers = Some(arg.whole_number(1)?),
            "debug" => options.debug = arg.flag()?,
            "ctrl_c" => options.ctrl_c = arg.flag()?,
            _ => return Err(crate::unknown_option(&arg, ATTR, ALLOWED)),
        }
    }
    Ok(options)
}

/// ```text
/// #[attrs] vis fn name() -> T { ::baton::__private::main(debug, ctrl_c, async move { body }) }
/// #[attrs] vis fn name() -> T {
///     ::baton::__private::main_on_workers(n, debug, ctrl_c, || async move { body })
/// }
/// ```
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    crate::expand_with(ATTR, options(args), item, |options, f| {
        let (debug, ctrl_c) = (options.debug, options.ctrl_c);
        let run = match options.workers {
            None => {
                let mut args = code(&format!("{debug}, {ctrl_c},"));
                args.extend(with_body("async move", &f.body));
                call("::baton::__private::main", args)
            }
            Some(workers) => {
                let mut args = code(&format!("{workers}, {debug}, {ctrl_c},"));
                args.extend(with_body("|| async move", &f.body));
                call("::baton::__private::main_on_workers", args)
            }
        };
        let mut out: TokenStream = f.attrs.iter().map(Attribute::tokens).collect();
        out.extend(f.signature());
        out.extend([group(Delimiter::Brace, run)]);
        Ok(out)
    })
}
