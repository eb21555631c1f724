//! Placeholder: the KDL decoder is being written.
