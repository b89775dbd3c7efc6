//! stemlint's binary: parse arguments, call the library, map the outcome to an exit code.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
