//! Lays out and samples a 10-minute mixed session (for profiling by hand):
//! `cargo run -p steady-sim --release --example long_demo`.

use steady_sim::{
    FourStageParams, RoutePiece, Scenario, SensorConfig, Simulator, SlsParams, TugParams,
    WalkParams,
};

fn main() {
    let route = vec![
        RoutePiece::Straight { duration_s: 240.0 },
        RoutePiece::Turn {
            angle_deg: 180.0,
            duration_s: 2.0,
            speed_factor: 0.4,
        },
        RoutePiece::Straight { duration_s: 240.0 },
    ];
    let sc = Scenario::new()
        .stand(5.0)
        .walk_route(WalkParams::default(), route)
        .single_leg_stance(SlsParams::default())
        .four_stage(FourStageParams::default())
        .tug(TugParams::default());
    let t = std::time::Instant::now();
    let sim = Simulator::new(&sc, &SensorConfig::all(), 1);
    let laid = t.elapsed();
    let n = sim.n_samples();
    let mut acc = 0.0;
    for i in 0..sim.config().sensors.len() {
        for k in 0..n {
            acc += sim.sample(i, k).acc_mps2[0];
        }
    }
    println!(
        "duration {:.1} s, {} samples x {} sensors, layout {:?}, total {:?}, mean acc_x {:.3}",
        sim.truth().duration_s,
        n,
        sim.config().sensors.len(),
        laid,
        t.elapsed(),
        acc / (n as f64 * 7.0)
    );
}
