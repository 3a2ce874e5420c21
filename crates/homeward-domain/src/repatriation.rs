//! Repatriation cases: the state machine from identification to handover, and family unity.
