//! Link arguments for the kernel binary only (never for host tests): freestanding,
//! static, non-PIE, laid out by our linker script.

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let script = format!("{dir}/kernel.ld");
    println!("cargo:rerun-if-changed={script}");
    for arg in [
        "-nostdlib",
        "-static",
        "-no-pie",
        "-Wl,--build-id=none",
        "-Wl,-z,max-page-size=0x1000",
        "-Wl,-z,norelro",
        "-Wl,--gc-sections",
        &format!("-Wl,-T,{script}"),
    ] {
        println!("cargo:rustc-link-arg-bins={arg}");
    }
}
