//! The CI environment as a lookup: both platforms read their variables through [`Env`],
//! so tests hand in a closure instead of touching the process environment.

/// The variables a CI job sees (a lookup, so tests need no process environment).
pub trait Env {
    /// The value of `name`, when it is set (empty counts as unset).
    fn get(&self, name: &str) -> Option<String>;
}

impl<F: Fn(&str) -> Option<String>> Env for F {
    fn get(&self, name: &str) -> Option<String> {
        self(name).filter(|v| !v.is_empty())
    }
}
