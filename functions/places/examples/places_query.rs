//! Prints the commune and country results for the queries given on the command line, as the API
//! returns them: `cargo run -p rpps-places --example places_query -- "saint etienne" 75015`.

fn main() {
    for query in std::env::args().skip(1) {
        let communes = rpps_places::communes().search(&query, 10);
        let countries = rpps_places::countries().search(&query, 10);
        println!("{query:?}");
        for m in &communes {
            println!("  {:<60} {:?} {:?}", m.label, m.kind, m.matched);
        }
        for m in &countries {
            println!("  country {:<50} {:?}", m.label, m.matched);
        }
    }
}
