//! `Error`: a misuse of an attribute, reported as a `compile_error!` at the token that is wrong.

use proc_macro::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

/// What is wrong, and where: the span of the offending token, so the compiler underlines it.
pub(crate) struct Error {
    span: Span,
    message: String,
}

impl Error {
    pub(crate) fn new(span: Span, message: impl Into<String>) -> Error {
        Error {
            span,
            message: message.into(),
        }
    }

    /// `::core::compile_error! { "message" }`, every token spanned at the offending one.
    pub(crate) fn to_compile_error(&self) -> TokenStream {
        let span = self.span;
        let punct = |c, spacing| {
            let mut p = Punct::new(c, spacing);
            p.set_span(span);
            TokenTree::Punct(p)
        };
        let mut message = Literal::string(&self.message);
        message.set_span(span);
        let mut braces = Group::new(Delimiter::Brace, TokenTree::Literal(message).into());
        braces.set_span(span);
        [
            punct(':', Spacing::Joint),
            punct(':', Spacing::Alone),
            TokenTree::Ident(Ident::new("core", span)),
            punct(':', Spacing::Joint),
            punct(':', Spacing::Alone),
            TokenTree::Ident(Ident::new("compile_error", span)),
            punct('!', Spacing::Alone),
            TokenTree::Group(braces),
        ]
        .into_iter()
        .collect()
    }
}
