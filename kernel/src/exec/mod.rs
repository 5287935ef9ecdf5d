//! Executing programs: reading images and (with the personality seam) building the
//! process that runs them.

pub mod elf;
pub mod script;
pub mod test_image;
