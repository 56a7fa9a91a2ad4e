//! Benchmarks of the `validate` pipeline on deterministic synthetic templates (see `benches/README.md`).
//!
//! - `load_only`: YAML text already in memory -> spanned `Document` (`SourceMap::add` + `load_text`).
//! - `load_and_check`: the same, then `template::lower` and `check::check` (what `cairn validate` does
//!   for one file, minus reading the file and rendering diagnostics).
//!
//! Each is run for N = 500 and N = 10,000 resources. Before the benchmarks run, `main` writes the two
//! templates to `target/bench-synthetic-{500,10000}.yaml` so the release binary can be timed on them, and
//! every template is asserted once (untimed) to validate with zero errors.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use cairn::source::{Format, Limits, SourceMap, load_text};
use divan::Bencher;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SIZES: &[usize] = &[500, 10_000];

fn main() {
    write_templates();
    divan::main();
}

#[divan::bench(args = SIZES, max_time = 10)]
fn load_only(bencher: Bencher, n: usize) {
    let text = synthetic(n);
    let limits = Limits::default();
    bencher.bench(|| {
        let mut sources = SourceMap::new();
        let file = sources.add("synthetic.yaml", Arc::clone(&text));
        let loaded = load_text(file, &text, Format::Yaml, &limits);
        (sources, loaded.document)
    });
}

#[divan::bench(args = SIZES, max_time = 10)]
fn load_and_check(bencher: Bencher, n: usize) {
    let text = synthetic(n);
    let limits = Limits::default();
    bencher.bench(|| {
        let mut sources = SourceMap::new();
        let file = sources.add("synthetic.yaml", Arc::clone(&text));
        let loaded = load_text(file, &text, Format::Yaml, &limits);
        let doc = loaded.document.expect("the synthetic template loads");
        let (template, lower_diags) = cairn::template::lower(&doc, &sources);
        let check_diags = cairn::check::check(&template, &sources);
        (sources, doc, template, lower_diags, check_diags)
    });
}

/// The YAML parser's event stream alone: the floor under `load_only`.
#[divan::bench(args = SIZES, max_time = 10)]
fn parse_events(bencher: Bencher, n: usize) {
    let text = synthetic(n);
    bencher.bench(|| {
        let mut parser = saphyr_parser::Parser::new_from_str(&text);
        let mut events = 0usize;
        while let Some(e) = parser.next_event() {
            e.expect("the synthetic template parses");
            events += 1;
        }
        events
    });
}

/// `evaluate::evaluate` of an already lowered template (defaults for every parameter): parameters,
/// rules, about N/5 conditions, every resource's and output's intrinsics.
#[divan::bench(args = SIZES, max_time = 10)]
fn evaluate(bencher: Bencher, n: usize) {
    let text = synthetic(n);
    let mut sources = SourceMap::new();
    let file = sources.add("synthetic.yaml", Arc::clone(&text));
    let doc = load_text(file, &text, Format::Yaml, &Limits::default())
        .document
        .expect("the synthetic template loads");
    let (template, _) = cairn::template::lower(&doc, &sources);
    let inputs = cairn::evaluate::Inputs::default();
    cairn::evaluate::evaluate(&template, &inputs).expect("the synthetic template evaluates");
    bencher.bench(|| cairn::evaluate::evaluate(&template, &inputs));
}

/// The dependency graph with conditions applied, its creation waves and its critical path (latencies by
/// type), for 10,000 and 100,000 resources.
#[divan::bench(args = [10_000, 100_000], max_time = 10)]
fn graph_waves_critical_path(bencher: Bencher, n: usize) {
    let text = synthetic(n);
    let mut sources = SourceMap::new();
    let file = sources.add("synthetic.yaml", Arc::clone(&text));
    let doc = load_text(file, &text, Format::Yaml, &big_limits())
        .document
        .expect("the synthetic template loads");
    let (template, _) = cairn::template::lower(&doc, &sources);
    let conditions = cairn::evaluate::conditions(&template, &cairn::evaluate::Inputs::default())
        .expect("the conditions evaluate");
    let latency = |t: &str| if t.starts_with("AWS::Lambda") { 30 } else { 5 };
    bencher.bench(|| {
        let g = cairn::graph::build(&template, &conditions);
        let waves = g.waves().expect("no cycle").len();
        let cp = g.critical_path(latency).expect("no cycle");
        (waves, cp.total, g)
    });
}

/// Writes the benchmark templates under `target/` for timing the binary on them.
fn write_templates() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target");
    std::fs::create_dir_all(&dir).expect("create target/");
    for &n in SIZES {
        let path = dir.join(format!("bench-synthetic-{n}.yaml"));
        let text = synthetic(n);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(&*text) {
            std::fs::write(&path, text.as_bytes()).expect("write the synthetic template");
        }
    }
}

/// The synthetic template of `n` resources, generated and checked (zero errors) once per process.
fn synthetic(n: usize) -> Arc<str> {
    static CACHE: OnceLock<Mutex<HashMap<usize, Arc<str>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache.lock().expect("cache lock");
    Arc::clone(cache.entry(n).or_insert_with(|| {
        let text: Arc<str> = shared_generator(n).unwrap_or_else(|| generate(n)).into();
        assert_no_errors(n, &text);
        text
    }))
}

/// Limits large enough for the 100,000-resource template (about 60 MB).
fn big_limits() -> Limits {
    Limits {
        max_bytes: 1 << 30,
        ..Limits::default()
    }
}

/// The template `../shared/bench/gen-synthetic.py` makes for N (the one the peers are timed on), when that
/// script and the peers' Python (`PEERS_VENV`) are available; the built-in generator otherwise.
fn shared_generator(n: usize) -> Option<String> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/gen-synthetic.py");
    let python = PathBuf::from(std::env::var("PEERS_VENV").ok()?).join("bin/python");
    if !script.exists() || !python.exists() {
        return None;
    }
    let out = std::process::Command::new(python)
        .arg(script)
        .arg(n.to_string())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8(out.stdout).ok())
        .flatten()
}

/// Runs the whole pipeline once and panics on any error diagnostic.
fn assert_no_errors(n: usize, text: &Arc<str>) {
    let mut sources = SourceMap::new();
    let file = sources.add(format!("bench-synthetic-{n}.yaml"), Arc::clone(text));
    let loaded = load_text(file, text, Format::Yaml, &big_limits());
    let mut diags = loaded.diagnostics;
    let doc = loaded.document.expect("the synthetic template loads");
    let (template, lower_diags) = cairn::template::lower(&doc, &sources);
    diags.extend(lower_diags);
    diags.extend(cairn::check::check(&template, &sources));
    let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).collect();
    assert!(
        errors.is_empty(),
        "synthetic template N={n} has {} errors, first: {:?}",
        errors.len(),
        errors.first()
    );
    assert_eq!(template.resources.len(), n);
}

// ---------------------------------------------------------------------------------------------------
// The generator: deterministic (a fixed-seed SplitMix64), no clock, no files.

/// SplitMix64: small, fast and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Topic,
    Queue,
    Bucket,
    Role,
    Function,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Topic => "Topic",
            Kind::Queue => "Queue",
            Kind::Bucket => "Bucket",
            Kind::Role => "Role",
            Kind::Function => "Function",
        }
    }

    fn aws_type(self) -> &'static str {
        match self {
            Kind::Topic => "AWS::SNS::Topic",
            Kind::Queue => "AWS::SQS::Queue",
            Kind::Bucket => "AWS::S3::Bucket",
            Kind::Role => "AWS::IAM::Role",
            Kind::Function => "AWS::Lambda::Function",
        }
    }
}

struct Res {
    name: String,
    kind: Kind,
    condition: Option<String>,
}

/// Feature-flag parameters the conditions test.
const FLAGS: usize = 8;

/// Appends one formatted line.
macro_rules! line {
    ($out:expr, $($arg:tt)*) => {
        writeln!($out, $($arg)*).expect("write to a String")
    };
}

/// An expression (short-form YAML) yielding a string that identifies resource `r`: a Ref, a GetAtt or a Sub.
fn ref_value(r: &Res, rng: &mut Rng) -> String {
    let x = &r.name;
    let choices: Vec<String> = match r.kind {
        Kind::Topic => vec![
            format!("!Ref {x}"),
            format!("!GetAtt {x}.TopicName"),
            format!("!Sub \"${{{x}}}\""),
        ],
        Kind::Queue => vec![
            format!("!Ref {x}"),
            format!("!GetAtt {x}.Arn"),
            format!("!GetAtt {x}.QueueName"),
        ],
        Kind::Bucket => vec![
            format!("!Ref {x}"),
            format!("!GetAtt {x}.Arn"),
            format!("!Sub \"${{{x}.Arn}}/data\""),
        ],
        Kind::Role | Kind::Function => vec![format!("!Ref {x}"), format!("!GetAtt {x}.Arn")],
    };
    let i = rng.below(choices.len());
    choices.into_iter().nth(i).expect("in range")
}

/// A synthetic template of `n` resources: SNS topics 25%, SQS queues 25%, S3 buckets 20%, IAM roles 15%,
/// Lambda functions 15%; parameters, mappings, ~n/5 conditions, and every resource after the first
/// refers to one or two earlier ones (Ref, GetAtt, Sub, DependsOn); one `Fn::If` per resource; an output
/// with an export for one resource in ten.
fn generate(n: usize) -> String {
    let mut rng = Rng(0x00C0_FFEE ^ n as u64);
    let mut out = String::with_capacity(n * 900);
    let n_conditions = (n / 5).max(2);

    line!(out, "AWSTemplateFormatVersion: \"2010-09-09\"");
    line!(
        out,
        "Description: Synthetic template with {n} resources for the cairn benchmarks."
    );

    // Parameters
    line!(out, "Parameters:");
    line!(out, "  Environment:");
    line!(out, "    Type: String");
    line!(out, "    AllowedValues: [dev, staging, prod]");
    line!(out, "    Default: dev");
    line!(out, "  Project:");
    line!(out, "    Type: String");
    line!(out, "    AllowedPattern: \"^[a-z][a-z0-9-]{{2,20}}$\"");
    line!(out, "    Default: cairn");
    line!(out, "  RetentionDays:");
    line!(out, "    Type: Number");
    line!(out, "    MinValue: 1");
    line!(out, "    MaxValue: 365");
    line!(out, "    Default: 14");
    line!(out, "  MemorySize:");
    line!(out, "    Type: Number");
    line!(out, "    AllowedValues: [128, 256, 512, 1024]");
    line!(out, "    Default: 256");
    line!(out, "  AlarmEmail:");
    line!(out, "    Type: String");
    line!(out, "    Default: \"\"");
    for f in 0..FLAGS {
        line!(out, "  Feature{f}:");
        line!(out, "    Type: String");
        line!(out, "    AllowedValues: [\"on\", \"off\"]");
        line!(out, "    Default: \"off\"");
    }

    // Mappings
    line!(out, "Mappings:");
    line!(out, "  EnvConfig:");
    for (env, retention, timeout) in [
        ("dev", 345_600, 30),
        ("staging", 604_800, 60),
        ("prod", 1_209_600, 120),
    ] {
        line!(out, "    {env}:");
        line!(out, "      Retention: {retention}");
        line!(out, "      Timeout: {timeout}");
        line!(
            out,
            "      LogLevel: {}",
            if env == "prod" { "WARN" } else { "DEBUG" }
        );
    }
    line!(out, "  RegionConfig:");
    for (region, short) in [
        ("us-east-1", "use1"),
        ("us-west-2", "usw2"),
        ("eu-west-1", "euw1"),
        ("ap-southeast-2", "apse2"),
    ] {
        line!(out, "    {region}:");
        line!(out, "      Short: {short}");
    }

    // Conditions: ~n/5, each refers only to parameters or to earlier conditions (no cycles).
    line!(out, "Conditions:");
    line!(out, "  IsProd: !Equals [!Ref Environment, prod]");
    line!(
        out,
        "  HasAlarmEmail: !Not [!Equals [!Ref AlarmEmail, \"\"]]"
    );
    let mut conditions = vec!["IsProd".to_owned(), "HasAlarmEmail".to_owned()];
    for k in 0..n_conditions.saturating_sub(2) {
        let name = format!("Cond{k}");
        let expr = match k % 4 {
            0 => format!("!Equals [!Ref Feature{}, \"on\"]", k % FLAGS),
            1 => format!(
                "!Equals [!Ref Environment, {}]",
                ["dev", "staging", "prod"][k % 3]
            ),
            2 => {
                let a = rng.below(conditions.len());
                let b = (a + 1 + rng.below(conditions.len() - 1)) % conditions.len();
                format!(
                    "!And [!Condition {}, !Condition {}]",
                    conditions[a], conditions[b]
                )
            }
            _ => format!(
                "!Or [!Not [!Condition {}], !Condition IsProd]",
                conditions[rng.below(conditions.len())]
            ),
        };
        line!(out, "  {name}: {expr}");
        conditions.push(name);
    }

    // Resources
    line!(out, "Resources:");
    let mut resources: Vec<Res> = Vec::with_capacity(n);
    // Indices of unconditional resources (the only ones others may refer to) and of unconditional roles.
    let mut pool: Vec<usize> = Vec::with_capacity(n);
    let mut roles: Vec<usize> = Vec::new();
    let mut counts = [0usize; 5];
    for i in 0..n {
        let draw = rng.below(100);
        let mut kind = match draw {
            0..25 => Kind::Topic,
            25..50 => Kind::Queue,
            50..70 => Kind::Bucket,
            70..85 => Kind::Role,
            _ => Kind::Function,
        };
        if kind == Kind::Function && roles.is_empty() {
            kind = Kind::Role;
        }
        let k = kind as usize;
        counts[k] += 1;
        let name = format!("{}{}", kind.name(), counts[k]);
        let condition =
            (i >= 10 && i % 10 == 7).then(|| conditions[rng.below(conditions.len())].clone());

        // One or two earlier unconditional resources: the first mostly recent (chains), the second anywhere.
        let mut targets: Vec<usize> = Vec::new();
        if !pool.is_empty() {
            let window = pool.len().min(20);
            targets.push(pool[pool.len() - 1 - rng.below(window)]);
            if pool.len() > 1 && rng.chance(40) {
                let t = pool[rng.below(pool.len())];
                if t != targets[0] {
                    targets.push(t);
                }
            }
        }
        let cond = conditions[rng.below(conditions.len())].clone();

        line!(out, "  {name}:");
        line!(out, "    Type: {}", kind.aws_type());
        if let Some(c) = &condition {
            line!(out, "    Condition: {c}");
        }
        // The second target is either a DependsOn or a second tag.
        let depends_on = targets.len() == 2 && rng.chance(50);
        if depends_on {
            line!(out, "    DependsOn: {}", resources[targets[1]].name);
        }
        if kind == Kind::Bucket && rng.chance(30) {
            line!(out, "    DeletionPolicy: Retain");
            line!(out, "    UpdateReplacePolicy: Retain");
        }
        line!(out, "    Properties:");
        let lower = name.to_ascii_lowercase();
        // The first target is used by a kind-specific property when one fits, else by a tag.
        let mut tag_target = targets.first().copied();
        match kind {
            Kind::Topic => {
                line!(
                    out,
                    "      TopicName: !Sub \"${{Project}}-${{Environment}}-{lower}\""
                );
                line!(
                    out,
                    "      DisplayName: !If [{cond}, !Sub \"{name} (${{AWS::Region}})\", !Ref \"AWS::NoValue\"]"
                );
                if let Some(&t) = targets.first()
                    && resources[t].kind == Kind::Queue
                {
                    line!(out, "      Subscription:");
                    line!(out, "        - Protocol: sqs");
                    line!(out, "          Endpoint: !GetAtt {}.Arn", resources[t].name);
                    tag_target = None;
                }
            }
            Kind::Queue => {
                line!(
                    out,
                    "      QueueName: !Sub \"${{Project}}-${{Environment}}-{lower}\""
                );
                line!(
                    out,
                    "      MessageRetentionPeriod: !FindInMap [EnvConfig, !Ref Environment, Retention]"
                );
                line!(out, "      VisibilityTimeout: !If [{cond}, 300, 30]");
                if let Some(&t) = targets.first()
                    && resources[t].kind == Kind::Queue
                {
                    line!(out, "      RedrivePolicy:");
                    line!(
                        out,
                        "        deadLetterTargetArn: !GetAtt {}.Arn",
                        resources[t].name
                    );
                    line!(out, "        maxReceiveCount: 5");
                    tag_target = None;
                }
            }
            Kind::Bucket => {
                line!(
                    out,
                    "      BucketName: !Sub \"${{Project}}-${{Environment}}-{lower}-${{AWS::AccountId}}\""
                );
                line!(out, "      VersioningConfiguration:");
                line!(out, "        Status: !If [{cond}, Enabled, Suspended]");
                line!(out, "      LifecycleConfiguration:");
                line!(out, "        Rules:");
                line!(out, "          - Id: expire");
                line!(out, "            Status: Enabled");
                line!(out, "            ExpirationInDays: !Ref RetentionDays");
                line!(
                    out,
                    "            Prefix: !Join [\"/\", [logs, !FindInMap [RegionConfig, !Ref \"AWS::Region\", Short]]]"
                );
                if let Some(&t) = targets.first()
                    && resources[t].kind == Kind::Topic
                {
                    line!(out, "      NotificationConfiguration:");
                    line!(out, "        TopicConfigurations:");
                    line!(out, "          - Event: \"s3:ObjectCreated:*\"");
                    line!(out, "            Topic: !Ref {}", resources[t].name);
                    tag_target = None;
                }
            }
            Kind::Role => {
                line!(
                    out,
                    "      RoleName: !Sub \"${{Project}}-${{Environment}}-{lower}-${{AWS::Region}}\""
                );
                line!(out, "      AssumeRolePolicyDocument:");
                line!(out, "        Version: \"2012-10-17\"");
                line!(out, "        Statement:");
                line!(out, "          - Effect: Allow");
                line!(out, "            Principal:");
                line!(out, "              Service: lambda.amazonaws.com");
                line!(out, "            Action: sts:AssumeRole");
                line!(out, "      ManagedPolicyArns:");
                line!(
                    out,
                    "        - !Sub \"arn:${{AWS::Partition}}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole\""
                );
                line!(
                    out,
                    "      PermissionsBoundary: !If [{cond}, !Sub \"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:policy/boundary\", !Ref \"AWS::NoValue\"]"
                );
                line!(out, "      Policies:");
                line!(out, "        - PolicyName: access");
                line!(out, "          PolicyDocument:");
                line!(out, "            Version: \"2012-10-17\"");
                line!(out, "            Statement:");
                line!(out, "              - Effect: Allow");
                line!(
                    out,
                    "                Action: [\"sqs:SendMessage\", \"sns:Publish\", \"s3:GetObject\", \"lambda:InvokeFunction\"]"
                );
                match targets.first() {
                    Some(&t) => {
                        let v = ref_value(&resources[t], &mut rng);
                        line!(out, "                Resource: {v}");
                        tag_target = None;
                    }
                    None => line!(out, "                Resource: \"*\""),
                }
            }
            Kind::Function => {
                let role = &resources[roles[roles.len() - 1 - rng.below(roles.len().min(10))]];
                line!(
                    out,
                    "      FunctionName: !Sub \"${{Project}}-${{Environment}}-{lower}\""
                );
                line!(
                    out,
                    "      Description: !Join [\"-\", [!Ref Project, !Ref Environment, {lower}]]"
                );
                line!(out, "      Runtime: python3.12");
                line!(out, "      Handler: index.handler");
                line!(out, "      Role: !GetAtt {}.Arn", role.name);
                line!(out, "      MemorySize: !Ref MemorySize");
                line!(
                    out,
                    "      Timeout: !FindInMap [EnvConfig, !Ref Environment, Timeout]"
                );
                line!(out, "      Code:");
                line!(out, "        ZipFile: |");
                line!(out, "          import os");
                line!(out, "          def handler(event, context):");
                line!(
                    out,
                    "              return {{\"target\": os.environ[\"TARGET\"], \"ok\": True}}"
                );
                line!(out, "      Environment:");
                line!(out, "        Variables:");
                line!(
                    out,
                    "          LOG_LEVEL: !FindInMap [EnvConfig, !Ref Environment, LogLevel]"
                );
                line!(
                    out,
                    "          STAGE: !If [{cond}, production, !Ref \"AWS::NoValue\"]"
                );
                if let Some(&t) = targets.first() {
                    let v = ref_value(&resources[t], &mut rng);
                    line!(out, "          TARGET: {v}");
                    tag_target = None;
                }
            }
        }
        line!(out, "      Tags:");
        line!(out, "        - Key: app");
        line!(out, "          Value: !Ref Project");
        if let Some(t) = tag_target {
            let v = ref_value(&resources[t], &mut rng);
            line!(out, "        - Key: source");
            line!(out, "          Value: {v}");
        }
        if targets.len() == 2 && !depends_on {
            let v = ref_value(&resources[targets[1]], &mut rng);
            line!(out, "        - Key: peer");
            line!(out, "          Value: {v}");
        }

        if condition.is_none() {
            pool.push(i);
            if kind == Kind::Role {
                roles.push(i);
            }
        }
        resources.push(Res {
            name,
            kind,
            condition,
        });
    }

    // Outputs with exports: one resource in ten (some of them conditional, with the same condition).
    line!(out, "Outputs:");
    for (i, r) in resources.iter().enumerate() {
        if i % 10 != 0 && i % 50 != 7 {
            continue;
        }
        let v = ref_value(r, &mut rng);
        line!(out, "  {}Out:", r.name);
        line!(
            out,
            "    Description: {} {} of the stack",
            r.kind.aws_type(),
            r.name
        );
        if let Some(c) = &r.condition {
            line!(out, "    Condition: {c}");
        }
        line!(out, "    Value: {v}");
        line!(out, "    Export:");
        line!(out, "      Name: !Sub \"${{AWS::StackName}}-{}\"", r.name);
    }
    out
}
