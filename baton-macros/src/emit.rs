//! Building the expansion: the fixed parts are written as source text and parsed, so they read
//! like the code they become; the user's tokens are spliced in as they came, spans and all.

use proc_macro::{Delimiter, Group, TokenStream, TokenTree};

/// The tokens of `src`, spanned at the attribute's call site.
pub(crate) fn code(src: &str) -> TokenStream {
    match src.parse() {
        Ok(tokens) => tokens,
        Err(e) => panic!("baton-macros wrote invalid tokens `{src}`: {e}"),
    }
}

/// `path(args)`.
pub(crate) fn call(path: &str, args: TokenStream) -> TokenStream {
    let mut out = code(path);
    out.extend([group(Delimiter::Parenthesis, args)]);
    out
}

/// `{ tokens }` or `( tokens )`.
pub(crate) fn group(delimiter: Delimiter, tokens: TokenStream) -> TokenTree {
    TokenTree::Group(Group::new(delimiter, tokens))
}

/// `prefix` followed by the user's `{ body }`: `async move { … }`, `|| async move { … }`.
pub(crate) fn with_body(prefix: &str, body: &Group) -> TokenStream {
    let mut out = code(prefix);
    out.extend([TokenTree::Group(body.clone())]);
    out
}
