//! Identity resolution at work: the duplicate review queue, tracing requests and
//! countries' lists of nationals matched in bulk.
