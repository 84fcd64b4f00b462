//! Fieldless enums whose wire name and display name are one list.
//!
//! `named_enum!` declares the enum with a `#[serde(rename = "…")]` on every variant and an
//! `as_str` that returns the same text, so the JSON name and the name shown to people can
//! never disagree (they were hand-written twice before).

/// Declares a fieldless enum from `Variant = "name",` lines (each may carry `///` docs and
/// attributes), with `#[serde(rename = "name")]` per variant and `fn as_str(self)`. The
/// enum's own attributes (derives, docs) are written before `pub enum` as usual; it must
/// derive `Serialize` and/or `Deserialize` for the renames to apply.
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )*
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant, )*
        }

        impl $name {
            /// The stable name: the serialised form, and what people read.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )*
                }
            }
        }
    };
}

pub(crate) use named_enum;
