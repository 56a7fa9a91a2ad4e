// mimalloc: template loading allocates many small nodes; glibc's allocator spent a third of a large
// validation in malloc/free.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cairn::cli::run(std::env::args_os())
}
