//! Placeholder: the HCL printer is being written.
