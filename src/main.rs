//! The `laporan` binary: everything happens in the library.

fn main() {
    std::process::exit(laporan::cmd::main());
}
