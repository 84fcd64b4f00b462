//! Names-only N-way tree diff over git2 trees (STUB).
