//! Prints what a `flow` or `server` input does, step by step:
//! `cargo run --example transcript -- flow corpus/flow/seed-user_srp_0`.

fn main() {
    let mut args = std::env::args().skip(1);
    let target = args.next().unwrap_or_default();
    for file in args {
        let data = std::fs::read(&file).expect("input file");
        let lines = match target.as_str() {
            #[cfg(feature = "server")]
            "server" => cognito_signin_fuzz::harness::server::transcript(&data),
            "flow" => cognito_signin_fuzz::harness::flow::transcript(&data),
            other => panic!("no transcript for {other:?}: flow or server"),
        };
        println!("== {file}");
        for line in lines {
            println!("  {line}");
        }
    }
}
