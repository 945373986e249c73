//! Prints the demo scenario's truth as JSON: `cargo run -p steady-sim --example print_truth`.

fn main() {
    let sim = steady_sim::Simulator::new(
        &steady_sim::Scenario::demo(),
        &steady_sim::SensorConfig::default(),
        1,
    );
    let t = sim.truth();
    println!("duration {:.1} s", t.duration_s);
    for s in &t.segments {
        println!("{:>18} {:7.2} .. {:7.2}", s.kind, s.start_s, s.end_s);
    }
    println!("{:?}", t.tugs);
    println!("{:?}", t.balance_trials);
    println!("chair completed {}", t.chair_stands[0].completed);
}
