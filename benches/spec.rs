//! Benchmarks of the embedded resource spec (`cairn::spec`): the cold cost a typical template pays (building
//! the index, inflating and decoding ten common types) and the warm cost of a cached lookup.

use cairn::spec;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The types of a typical template.
const TYPICAL: [&str; 10] = [
    "AWS::S3::Bucket",
    "AWS::SQS::Queue",
    "AWS::SNS::Topic",
    "AWS::Lambda::Function",
    "AWS::IAM::Role",
    "AWS::DynamoDB::Table",
    "AWS::EC2::VPC",
    "AWS::EC2::Subnet",
    "AWS::EC2::SecurityGroup",
    "AWS::Logs::LogGroup",
];

fn main() {
    divan::main();
}

/// Parsing the name → byte-range index (done once per process).
#[divan::bench]
fn index() -> usize {
    spec::index_len_uncached()
}

/// Inflating and decoding the ten types of a typical template, bypassing the cache.
#[divan::bench]
fn decode_typical_ten() -> usize {
    TYPICAL
        .iter()
        .map(|n| {
            spec::decode_uncached(divan::black_box(n))
                .unwrap()
                .properties()
                .len()
        })
        .sum()
}

/// The largest type in the spec, bypassing the cache.
#[divan::bench]
fn decode_largest() -> usize {
    spec::decode_uncached(divan::black_box("AWS::QuickSight::Analysis"))
        .unwrap()
        .properties()
        .len()
}

/// Ten lookups once every type is cached.
#[divan::bench]
fn cached_typical_ten(bencher: divan::Bencher) {
    for n in TYPICAL {
        spec::resource_type(n).unwrap();
    }
    bencher.bench(|| {
        TYPICAL
            .iter()
            .filter(|n| spec::resource_type(divan::black_box(n)).is_some())
            .count()
    });
}
