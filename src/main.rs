fn main() -> std::process::ExitCode {
    platc::cli::run()
}
