//! Evaluation (pure): policy + facts → verdicts. No I/O, no git, no environment.
