//! Reading git: repository opening, range resolution and the parallel commit scan (STUB).
