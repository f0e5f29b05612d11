// A struct whose attributes have mistakes still gets its field types checked: the typo on one
// field and the `length` on an integer field are reported in the same compile, and nothing else.
use model_core::{Auto, Model};

#[derive(Model)]
struct Product {
    #[column(primary_key)]
    id: Auto<i64>,
    #[column(lenght = 5)]
    code: String,
    #[column(length = 5)]
    stock: i32,
}

fn main() {
    // Uses of the model compile against the stand-in impls: no errors from here.
    let _ = Product::query();
    let _ = Product::STOCK;
}
