//! `AsyncFn`: the one item shape both attributes accept, read by hand from the tokens:
//! `#[attributes]* [pub[(…)]] async fn name() [-> Type] { body }`.

use proc_macro::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};

use crate::error::Error;

/// A function without generics, split into the parts the expansion reuses; [`check`]
/// (AsyncFn::check) then tells whether it is `async` and without arguments, as it must be.
pub(crate) struct AsyncFn {
    /// The outer attributes (doc comments included), each a `#` and its `[…]`, in order.
    pub(crate) attrs: Vec<Attribute>,
    /// `pub`, `pub(crate)`, … or nothing.
    pub(crate) vis: TokenStream,
    /// Whether `async` came before `fn` (see [`check`](AsyncFn::check)).
    is_async: bool,
    fn_token: Ident,
    pub(crate) name: Ident,
    /// The `(…)` after the name: it must be empty (see [`check`](AsyncFn::check)).
    args: Group,
    /// The tokens after `->`, if the function declares what it returns.
    pub(crate) output: Option<TokenStream>,
    /// The `{ … }` block, with the user's spans.
    pub(crate) body: Group,
}

/// One outer attribute: `#` and its bracketed contents.
pub(crate) struct Attribute {
    pound: TokenTree,
    brackets: Group,
}

impl Attribute {
    /// True for a plain `#[name]` (no path, no arguments).
    pub(crate) fn is_bare(&self, name: &str) -> bool {
        let inner: Vec<TokenTree> = self.brackets.stream().into_iter().collect();
        matches!(inner.as_slice(), [TokenTree::Ident(i)] if i.to_string() == name)
    }

    pub(crate) fn span(&self) -> Span {
        self.brackets.span()
    }

    pub(crate) fn tokens(&self) -> TokenStream {
        [self.pound.clone(), TokenTree::Group(self.brackets.clone())]
            .into_iter()
            .collect()
    }
}

impl AsyncFn {
    /// Reads `item`; `attr` (`#[baton::main]`, …) names the attribute in error messages.
    pub(crate) fn parse(item: TokenStream, attr: &str) -> Result<AsyncFn, Error> {
        let mut tokens = item.into_iter().peekable();
        let end = Span::call_site();

        let mut attrs = Vec::new();
        while let Some(TokenTree::Punct(p)) = tokens.peek() {
            if p.as_char() != '#' {
                break;
            }
            let pound = tokens.next().unwrap();
            match tokens.next() {
                Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Bracket => {
                    attrs.push(Attribute { pound, brackets: g })
                }
                other => return Err(unexpected(other, end, "an attribute's `[…]`")),
            }
        }

        let mut vis = TokenStream::new();
        if let Some(TokenTree::Ident(i)) = tokens.peek() {
            if i.to_string() == "pub" {
                vis.extend(tokens.next());
                if let Some(TokenTree::Group(g)) = tokens.peek() {
                    if g.delimiter() == Delimiter::Parenthesis {
                        vis.extend(tokens.next());
                    }
                }
            }
        }

        // `async` is checked by `check`, after the whole function is read, so that a missing
        // `async` is reported alone (with a placeholder function, not the tokens as given).
        let mut is_async = false;
        let fn_token = loop {
            match tokens.next() {
                Some(TokenTree::Ident(i)) => match i.to_string().as_str() {
                    "async" if !is_async => is_async = true,
                    "fn" => break i,
                    "const" | "unsafe" | "extern" => {
                        return Err(Error::new(
                            i.span(),
                            format!("{attr} takes a plain `async fn`: remove `{i}`"),
                        ))
                    }
                    _ => {
                        return Err(Error::new(
                            i.span(),
                            format!("{attr} goes on an `async fn`"),
                        ))
                    }
                },
                other => return Err(unexpected(other, end, "`async fn`")),
            }
        };

        let name = match tokens.next() {
            Some(TokenTree::Ident(name)) => name,
            other => return Err(unexpected(other, end, "the function's name")),
        };

        let args = match tokens.next() {
            Some(TokenTree::Group(args)) if args.delimiter() == Delimiter::Parenthesis => args,
            Some(TokenTree::Punct(p)) if p.as_char() == '<' => {
                return Err(Error::new(
                    p.span(),
                    format!("{attr} functions cannot be generic"),
                ))
            }
            other => return Err(unexpected(other, end, "`()`")),
        };

        // What remains: `[-> Type] { body }`; a `where` clause means generics.
        let mut rest: Vec<TokenTree> = tokens.collect();
        let body = match rest.pop() {
            Some(TokenTree::Group(body)) if body.delimiter() == Delimiter::Brace => body,
            other => return Err(unexpected(other, end, "the function's body `{ … }`")),
        };
        if let Some(w) = rest.iter().find(|t| is_ident(t, "where")) {
            return Err(Error::new(
                w.span(),
                format!("{attr} functions cannot be generic (no `where` clause)"),
            ));
        }
        let output = match rest.as_slice() {
            [] => None,
            [TokenTree::Punct(dash), TokenTree::Punct(gt), ty @ ..]
                if dash.as_char() == '-' && gt.as_char() == '>' =>
            {
                if ty.is_empty() {
                    return Err(Error::new(body.span(), "expected a return type after `->`"));
                }
                Some(ty.iter().cloned().collect())
            }
            [first, ..] => return Err(unexpected(Some(first.clone()), end, "`->` or `{`")),
        };

        Ok(AsyncFn {
            attrs,
            vis,
            is_async,
            fn_token,
            name,
            args,
            output,
            body,
        })
    }

    /// What makes a readable function unfit: no `async`, or arguments.
    pub(crate) fn check(&self, attr: &str) -> Result<(), Error> {
        if !self.is_async {
            return Err(Error::new(
                self.fn_token.span(),
                format!("{attr} needs an `async fn`: add `async` before `fn`"),
            ));
        }
        if !self.args.stream().is_empty() {
            return Err(Error::new(
                self.args.span(),
                format!("{attr} functions take no arguments"),
            ));
        }
        Ok(())
    }

    /// The same function with a body that only panics: emitted beside a compile error, so
    /// callers of the function still resolve and the error stands alone.
    pub(crate) fn placeholder(&self) -> TokenStream {
        let mut out: TokenStream = self.attrs.iter().map(Attribute::tokens).collect();
        out.extend(self.signature());
        out.extend(crate::emit::code("{ ::core::unimplemented!() }"));
        out
    }

    /// `vis fn name() [-> Type]`, without `async`.
    pub(crate) fn signature(&self) -> TokenStream {
        let mut out = self.vis.clone();
        out.extend(crate::emit::code("fn"));
        out.extend([TokenTree::Ident(self.name.clone())]);
        out.extend(crate::emit::code("()"));
        if let Some(output) = &self.output {
            out.extend(crate::emit::code("->"));
            out.extend(output.clone());
        }
        out
    }
}

fn is_ident(token: &TokenTree, name: &str) -> bool {
    matches!(token, TokenTree::Ident(i) if i.to_string() == name)
}

/// "expected X", at the unexpected token, or at the end of the input if there is none.
fn unexpected(found: Option<TokenTree>, end: Span, expected: &str) -> Error {
    let span = found.as_ref().map_or(end, TokenTree::span);
    Error::new(span, format!("expected {expected}"))
}
