//! Not public API. Used by generated code, which reaches the runtime only through this module,
//! as `::model_core::__private`: the constructors of table metadata are crate-private, so what
//! the derives may build is exactly what is here. The public types themselves (`Table`,
//! `ColumnDef`, `Column`, the traits) are named by their public paths.

pub use inventory;
pub use std::vec::Vec;

pub use crate::column_type::{CollatedField, DecimalField, IntegerField, StringField};
pub use crate::field::{NotNullField, VersionField};
pub use crate::meta::{Cascade as DeleteCascade, ReferentialAction};
pub use crate::registry::Registration;
pub use crate::sql_cache::SqlCache;

use crate::column_type::ValueError;
use crate::field::FieldType;
use crate::meta::{Cascade, Link};
use crate::meta::{ColumnDef, ForeignKey, Index, Table};
use crate::model::{Column, ColumnGroup, Model};
use crate::relation::{BelongsTo, ManyToMany};
use crate::row::DecodeError;
use crate::sql_type::{EnumType, SqlType};
use crate::value::Value;

/// Everything `#[derive(Model)]` says about one column, each option spelled out, so the
/// generated code reads as the attribute does.
pub struct ColumnSpec {
    pub name: &'static str,
    pub field: &'static str,
    pub sql_type: SqlType,
    pub nullable: bool,
    /// `FieldType::GENERATED_KEY`.
    pub generated_key: bool,
    /// `FieldType::AUTO`.
    pub auto: bool,
    pub primary_key: bool,
    pub autoincrement: Option<bool>,
    pub unique: bool,
    pub index: bool,
    pub version: bool,
    pub length: Option<u32>,
    pub precision: Option<u32>,
    pub scale: Option<u32>,
    pub collation: Option<&'static str>,
    pub renamed_from: Option<&'static str>,
    pub default: Option<fn() -> Value>,
    pub server_default: Option<&'static str>,
    pub onupdate: Option<fn() -> Value>,
    pub foreign_key: Option<ForeignKey>,
}

/// The metadata of one column.
pub const fn column(spec: ColumnSpec) -> ColumnDef {
    let mut def = ColumnDef::new(spec.name, spec.field, spec.sql_type, spec.nullable)
        .with_field_kind(spec.generated_key, spec.auto);
    if spec.primary_key {
        def = def.with_primary_key();
    }
    if let Some(on) = spec.autoincrement {
        def = def.with_autoincrement(on);
    }
    if spec.unique {
        def = def.with_unique();
    }
    if spec.index {
        def = def.with_index();
    }
    if spec.version {
        def = def.with_version();
    }
    if let Some(length) = spec.length {
        def = def.with_length(length);
    }
    if let Some(precision) = spec.precision {
        def = def.with_precision(precision, spec.scale);
    }
    if let Some(collation) = spec.collation {
        def = def.with_collation(collation);
    }
    if let Some(old) = spec.renamed_from {
        def = def.with_renamed_from(old);
    }
    if let Some(default) = spec.default {
        def = def.with_default(default);
    }
    if let Some(sql) = spec.server_default {
        def = def.with_server_default(sql);
    }
    if let Some(onupdate) = spec.onupdate {
        def = def.with_onupdate(onupdate);
    }
    if let Some(fk) = spec.foreign_key {
        def = def.with_foreign_key(fk);
    }
    def
}

/// `foreign_key = "table.column"` with its `on_delete`.
pub const fn foreign_key(
    table: &'static str,
    column: &'static str,
    on_delete: Option<ReferentialAction>,
) -> ForeignKey {
    ForeignKey::new(table, column, on_delete)
}

/// `foreign_key = User::ID`: the handle's model's table and the handle's column, read at
/// compile time.
pub const fn foreign_key_to<M: Model, T>(
    column: Column<M, T>,
    on_delete: Option<ReferentialAction>,
) -> ForeignKey {
    ForeignKey::new(M::TABLE.name(), column.name(), on_delete)
}

/// A foreign key field of type `Self` may reference a column of type `T`: the same type, an
/// `Option` or `Auto` of it counting as it.
#[diagnostic::on_unimplemented(
    message = "a foreign key has the type of the column it references: this field is `{Self}`, \
               and the referenced column is `{T}`",
    label = "references a column of another type",
    note = "make the field the referenced column's type (an `Option` of it for a nullable \
            reference)"
)]
pub trait References<T> {}
impl<F: FieldType, T: FieldType<Compare = F::Compare>> References<T> for F {}

/// Compile-time check that a `foreign_key = Model::COLUMN` field has the column's type, and
/// that the handle is a model's (a column group has no table to reference).
pub const fn require_reference<F: References<T>, M: Model, T>(_column: Column<M, T>) {}

/// `index(...)` or `unique(...)` on the model.
pub const fn index(
    name: Option<&'static str>,
    columns: &'static [&'static str],
    unique: bool,
    constraint: bool,
) -> Index {
    Index::new(name, columns, unique, constraint)
}

/// Everything `#[derive(Model)]` says about a table.
pub struct TableSpec {
    pub name: &'static str,
    pub bind: Option<&'static str>,
    pub model: &'static str,
    pub module_path: &'static str,
    pub columns: &'static [ColumnDef],
    pub indexes: &'static [Index],
    pub collation: Option<&'static str>,
    pub renamed_from: Option<&'static str>,
    /// The model's own statement cache (a `static` next to the table's).
    pub sql: &'static SqlCache,
}

/// The metadata of a model's table.
pub const fn table(spec: TableSpec) -> Table {
    let table = Table::new(
        spec.name,
        spec.bind,
        spec.model,
        spec.module_path,
        spec.columns,
        spec.indexes,
        spec.sql,
    );
    let table = match spec.collation {
        Some(collation) => table.with_collation(collation),
        None => table,
    };
    match spec.renamed_from {
        Some(old) => table.with_renamed_from(old),
        None => table,
    }
}

/// A column handle (`User::USERNAME`): the column's name and its position among `M`'s columns.
pub const fn handle<M, T>(name: &'static str, position: usize) -> Column<M, T> {
    Column::new(name, position)
}

/// The link of `belongs_to`: the foreign key column `child` and the column `parent` it
/// references, by their handles.
pub const fn link<C: Model, T, P: Model, U>(child: Column<C, T>, parent: Column<P, U>) -> Link {
    Link::new(
        C::TABLE,
        (child.name(), child.position()),
        P::TABLE,
        (parent.name(), parent.position()),
    )
}

/// The link from column `index` of an association table to the column `key` references.
pub const fn association_link<M: Model, T>(
    association: &'static Table,
    index: usize,
    key: Column<M, T>,
) -> Link {
    Link::new(
        association,
        (association.columns()[index].name(), index),
        M::TABLE,
        (key.name(), key.position()),
    )
}

/// A column of an association table: `name`, of the type (and length) of the column `key`
/// references, part of the table's primary key, and a foreign key to it whose rows go with
/// the referenced row (`ON DELETE CASCADE`).
pub const fn association_column<M: Model, T>(key: Column<M, T>, name: &'static str) -> ColumnDef {
    let referenced = &M::COLUMNS[key.position()];
    let mut column = ColumnDef::new(name, name, referenced.sql_type(), false)
        .with_primary_key()
        .with_autoincrement(false)
        .with_foreign_key(ForeignKey::new(
            M::TABLE.name(),
            key.name(),
            Some(ReferentialAction::Cascade),
        ));
    if let Some(length) = referenced.length() {
        column = column.with_length(length);
    }
    column
}

/// The metadata of an association table with no struct of its own, in the bind of the model
/// declaring it; `model` names the relationship (`Post::TAGS`) in messages.
pub const fn association_table(
    name: &'static str,
    bind: Option<&'static str>,
    model: &'static str,
    module_path: &'static str,
    columns: &'static [ColumnDef],
    sql: &'static SqlCache,
) -> Table {
    Table::new(name, bind, model, module_path, columns, &[], sql)
}

/// A many-to-many through a model of its own, by its two `belongs_to` handles: from `X` to
/// `A` (`source`) and from `X` to `B` (`target`).
pub const fn through<X, A, B, F, G>(
    name: &'static str,
    source: BelongsTo<X, A, F>,
    target: BelongsTo<X, B, G>,
) -> ManyToMany<A, B> {
    ManyToMany::new(name, source.link, target.link)
}

/// `cascade = "delete"` on `has_many` or `has_one`: the rows referring to the row through
/// `reference` (the `belongs_to` reversed) are deleted with it, after their own cascades
/// (`next`, which is `cascades_of::<Child>`).
pub const fn cascade<C, P, F>(
    reference: BelongsTo<C, P, F>,
    next: fn() -> &'static [Cascade],
) -> Cascade {
    Cascade::new(reference.link, next)
}

/// The cascades of `M`'s deletes.
pub fn cascades_of<M: Model>() -> &'static [Cascade] {
    M::DELETE_CASCADES
}

/// What a model submits to the registry.
pub const fn registration(table: &'static Table) -> Registration {
    Registration::new(table)
}

/// The table of a model whose derive failed; only the fallback code names it.
pub static INVALID_TABLE: Table = Table::new("", None, "", "", &[], &[], &INVALID_SQL);

static INVALID_SQL: SqlCache = SqlCache::new();

/// What the fallback `decode_at` of a model whose derive failed returns (it never runs: the
/// crate does not compile).
pub fn invalid_model() -> DecodeError {
    DecodeError::invalid_model()
}

const PLACEHOLDER: ColumnDef = ColumnDef::new("", "", SqlType::Text, false);

/// Concatenates the column lists of a model's own fields and flattened groups into one array, at
/// compile time, so table metadata stays a plain static.
pub const fn concat_columns<const N: usize>(parts: &[&[ColumnDef]]) -> [ColumnDef; N] {
    let mut out = [PLACEHOLDER; N];
    let mut filled = 0;
    let mut part = 0;
    while part < parts.len() {
        let columns = parts[part];
        let mut i = 0;
        while i < columns.len() {
            out[filled] = columns[i];
            filled += 1;
            i += 1;
        }
        part += 1;
    }
    assert!(filled == N, "column count mismatch in generated model code");
    out
}

/// Compile-time check that a column field has a column type; emitted next to the errors of a
/// failed derive, where no column metadata names the type.
pub const fn require_field<T: FieldType>() {}

/// Compile-time check that a `flatten` field is a column group; emitted like `require_field`.
pub const fn require_group<T: ColumnGroup>() {}

/// Compile-time check that a primary key field is not an `Option`.
pub const fn require_not_null<T: NotNullField>() {}

/// Compile-time check that a `length` field is stored as a string.
pub const fn require_string<T: FieldType>()
where
    T::Base: StringField,
{
}

/// Compile-time check that a `version` field is a non-null integer.
pub const fn require_version<T: VersionField>() {}

/// Compile-time check that a `collation` field is stored as a string.
pub const fn require_collated<T: FieldType>()
where
    T::Base: CollatedField,
{
}

/// Compile-time check that an `autoincrement` field is stored as an integer.
pub const fn require_integer<T: FieldType>()
where
    T::Base: IntegerField,
{
}

/// Compile-time check that a `precision`/`scale` field is stored as a decimal.
pub const fn require_decimal<T: FieldType>()
where
    T::Base: DecimalField,
{
}

/// Compile-time check that a decimal column says its `precision`: MySQL's `DECIMAL` without
/// one is `DECIMAL(10, 0)`, which would round every amount to a whole number.
///
/// It takes the column type rather than the field's type, so a field that is no column type
/// gets one error (from the column's metadata), not a second one from here.
pub const fn require_precision(sql_type: SqlType, given: bool) {
    if matches!(sql_type, SqlType::Decimal) && !given {
        panic!(
            "a decimal column needs `precision = P` (the number of digits) and usually `scale = S` \
             (the digits after the point): `#[column(precision = 12, scale = 2)]`; MySQL would \
             otherwise store DECIMAL(10, 0) and round every value to a whole number"
        );
    }
}

/// A field's value made from what its `default` or `onupdate` function returns: the field's
/// own type, or the `T` of an `Auto<T>` field.
#[diagnostic::on_unimplemented(
    message = "this function returns `{R}`, and the field is `{Self}`",
    label = "a `default` or `onupdate` function returns the field's type (the `T` of an `Auto<T>`)"
)]
pub trait FromFunction<R> {
    fn from_function(value: R) -> Self;
}

impl<T: crate::ColumnType> FromFunction<T> for T {
    fn from_function(value: T) -> Self {
        value
    }
}

impl<T: crate::ColumnType> FromFunction<Option<T>> for Option<T> {
    fn from_function(value: Option<T>) -> Self {
        value
    }
}

impl<T: FieldType> FromFunction<T> for crate::Auto<T> {
    fn from_function(value: T) -> Self {
        crate::Auto::set(value)
    }
}

/// What fills a column when its field is left unset, as the attributes say.
pub struct Filling {
    pub default: bool,
    pub server_default: bool,
    pub autoincrement: Option<bool>,
    /// The field is the struct's only primary key field.
    pub sole_key: bool,
}

/// Compile-time check that a field can be left unset exactly when something fills its column:
/// an [`Auto`](crate::Auto) field needs a `default`, a `server_default` or a generated key, and
/// those need an `Auto` field (a plain field is always written, so they would never apply).
/// Takes the field type's constants rather than the type, so a field that is no column type
/// gets one error, not one more from here.
///
/// A key the database cannot generate (not an integer, or nullable) is left to the checks that
/// say so.
pub const fn require_filling(auto: bool, generated_key: bool, nullable: bool, filling: Filling) {
    let generated = generated_key
        && !nullable
        && match filling.autoincrement {
            Some(on) => on,
            None => filling.sole_key,
        };
    let filled = filling.default || filling.server_default || generated;
    if auto && !filled {
        panic!(
            "an `Auto` field may be left unset, and nothing fills this column then: give it \
             `default = path::to::fn` or `server_default = \"SQL\"`, or make the field a plain \
             type that is always written"
        );
    }
    if !auto && generated {
        panic!(
            "the database generates this integer key, so inserts must be able to leave it \
             unset: make the field `Auto<...>` of its type (e.g. `id: Auto<i64>`, with \
             `..Default::default()` in new rows), or write `autoincrement = false` to assign \
             keys yourself"
        );
    }
    if !auto && (filling.default || filling.server_default) {
        panic!(
            "`default` and `server_default` fill the column when an insert leaves the field \
             unset, and a plain field is always written: make the field `Auto<...>` of its type \
             (e.g. `created_at: Auto<NaiveDateTime>`) so new rows can leave it to the default"
        );
    }
}

/// The error of decoding a label no variant of an enum has: names the value and the labels.
pub fn unknown_label(ty: &'static EnumType, value: &str) -> ValueError {
    ValueError::new(format!(
        "the stored value '{value}' is not a label of `{}`: its labels are {}",
        ty.rust_name(),
        ty.quoted_labels()
    ))
}

/// The error of decoding an integer no variant of an integer-stored enum has.
pub fn unknown_discriminant(enum_name: &str, value: i64, variants: &[(&str, i64)]) -> ValueError {
    let known: Vec<String> = variants
        .iter()
        .map(|(name, v)| format!("{v} ({name})"))
        .collect();
    ValueError::new(format!(
        "the stored value {value} is not a discriminant of `{enum_name}`: its values are {}",
        known.join(", ")
    ))
}

/// The error of decoding a value of another type than the enum is stored as.
pub fn unexpected(value: &Value, expected: SqlType) -> ValueError {
    ValueError::unexpected(value, expected)
}
