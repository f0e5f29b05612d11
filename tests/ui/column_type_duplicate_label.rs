use model_core::ColumnType;

#[derive(ColumnType)]
#[column_type(rename_all = "lowercase")]
enum Status {
    Active,
    #[column_type(rename = "active")]
    Enabled,
    OnHold,
    ONHOLD,
}

fn main() {}
