//! A WASI command in Rust: prints a greeting and its arguments.
fn main() {
    println!("Hello from Rust on WebAssembly!");
    for arg in std::env::args().skip(1) {
        println!("arg: {arg}");
    }
}
