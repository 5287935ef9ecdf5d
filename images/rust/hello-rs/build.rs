//! Link arguments for the program only (never for host tests): freestanding, static,
//! non-PIE, like every native Nymph binary.

fn main() {
    for arg in ["-nostdlib", "-static", "-no-pie", "-Wl,--build-id=none"] {
        println!("cargo:rustc-link-arg-bins={arg}");
    }
}
