//! The attribute macros of [baton](https://docs.rs/baton): `#[baton::main]` and
//! `#[baton::test]`. Use them through baton, which re-exports and documents them.
//!
//! The items they accept have one small shape, `[attributes] [pub] async fn name() [-> T] {…}`,
//! so the tokens are read by hand (no `syn`): `item.rs` reads the function, `args.rs` the
//! attribute's arguments, and each attribute writes a few calls into `baton::__private`,
//! where the logic lives as tested Rust.

use proc_macro::TokenStream;

mod args;
mod emit;
mod error;
mod item;
mod main_attr;
mod test_attr;

use args::Arg;
use error::Error;
use item::AsyncFn;

// Documented at its re-export, `baton::main`, where its examples run as doc tests.
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    main_attr::expand(args, item)
}

// Documented at its re-export, `baton::test`, where its examples run as doc tests.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    test_attr::expand(args, item)
}

/// `build`'s expansion when the options and the function are right; otherwise every error
/// found, plus the function with a panicking body (so callers still resolve and each mistake
/// is reported once), or the tokens as given when the function could not even be read.
fn expand_with<O>(
    attr: &str,
    options: Result<O, Error>,
    item: TokenStream,
    build: impl FnOnce(O, &AsyncFn) -> Result<TokenStream, Error>,
) -> TokenStream {
    let mut errors = Vec::new();
    let options = options.map_err(|e| errors.push(e)).ok();
    let function = match AsyncFn::parse(item.clone(), attr) {
        Ok(function) => function,
        Err(e) => {
            errors.push(e);
            let mut out: TokenStream = errors.iter().map(Error::to_compile_error).collect();
            out.extend(item);
            return out;
        }
    };
    if let Err(e) = function.check(attr) {
        errors.push(e);
    }
    if let (true, Some(options)) = (errors.is_empty(), options) {
        match build(options, &function) {
            Ok(out) => return out,
            Err(e) => errors.push(e),
        }
    }
    let mut out: TokenStream = errors.iter().map(Error::to_compile_error).collect();
    out.extend(function.placeholder());
    out
}

/// The error for an option the attribute does not know.
fn unknown_option(arg: &Arg, attr: &str, allowed: &str) -> Error {
    Error::new(
        arg.key.span(),
        format!(
            "unknown option `{}` of {attr}; its options are {allowed}",
            arg.key
        ),
    )
}
