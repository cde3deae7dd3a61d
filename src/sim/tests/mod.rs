//! In-process HTTP tests of the simulator.
