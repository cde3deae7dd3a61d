//! A simulator of SAP AI Core: the real wire formats, deterministic answers, fault switches.
//! It shares no types with `aicore`, so the client is checked against the wire, not itself.
