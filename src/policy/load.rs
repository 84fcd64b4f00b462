//! Policy loading and validation (STUB — being written).
