//! Every rule of `#[derive(FromRow)]`, all reported at once.

use std::collections::HashMap;

use super::ast::RowDef;

/// Every rule about the struct; `Err` holds all the errors found.
pub fn row_def(def: &RowDef) -> darling::Result<()> {
    let mut errors = darling::Error::accumulator();
    for error in &def.attr_errors {
        errors.push(error.clone());
    }
    if let Some((span, problem)) = def.shape_error {
        errors.push(
            darling::Error::custom(format!("#[derive(FromRow)]: {problem}")).with_span(&span),
        );
    }
    if let Some(param) = def.generics.params.first() {
        errors.push(
            darling::Error::custom("#[derive(FromRow)] does not support generic structs")
                .with_span(param),
        );
    }
    let mut seen: HashMap<String, ()> = HashMap::new();
    for field in &def.fields {
        if let Some(rename) = &field.rename {
            if def.by_position() {
                errors.push(
                    darling::Error::custom(
                        "`rename` names the column a field reads by name, and this struct reads \
                         its columns by position",
                    )
                    .with_span(&rename.span()),
                );
            }
            if field.skip {
                errors.push(
                    darling::Error::custom("a `skip` field reads no column; remove `rename`")
                        .with_span(&rename.span()),
                );
            }
        }
        if !def.by_position() && !field.skip {
            let column = field.column();
            if seen.insert(column.clone(), ()).is_some() {
                let span = field
                    .rename
                    .as_ref()
                    .map(|r| r.span())
                    .or_else(|| field.ident.as_ref().map(|i| i.span()))
                    .unwrap_or_else(proc_macro2::Span::call_site);
                errors.push(
                    darling::Error::custom(format!(
                        "two fields read the column \"{column}\"; give one another `rename`"
                    ))
                    .with_span(&span),
                );
            }
        }
    }
    errors.finish()
}
