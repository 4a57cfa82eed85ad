fn main() -> std::process::ExitCode {
    wfm::app::main()
}
