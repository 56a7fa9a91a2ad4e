//! The ready templates of `templates/` against the mock cloud, each in its own state directory: every one
//! plans, applies to CREATE_COMPLETE and destroys, leaving no resource of its stacks in the mock cloud.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// A state directory of one test, removed at the end.
struct Sandbox {
    dir: PathBuf,
}

impl Sandbox {
    fn new(name: &str) -> Sandbox {
        let dir =
            std::env::temp_dir().join(format!("cairn-templates-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("sandbox");
        Sandbox { dir }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_cairn"))
            .current_dir(crate::root())
            .env("NO_COLOR", "1")
            .arg("--state")
            .arg(self.dir.join("state.db"))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("cairn runs")
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut a = vec!["--output", "json"];
        a.extend_from_slice(args);
        let out = self.run(&a);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        serde_json::from_slice(&out.stdout).expect("JSON output")
    }

    fn status(&self, stack: &str) -> String {
        self.json(&["stacks", "--all"])
            .as_array()
            .expect("a list")
            .iter()
            .find(|s| s["name"] == stack)
            .and_then(|s| s["status"].as_str())
            .unwrap_or_default()
            .to_owned()
    }

    /// Plans (changes expected), applies and checks the stack reached CREATE_COMPLETE.
    fn create(&self, stack: &str, template: &str, parameters: &[String]) {
        let mut args = vec!["plan", stack, "-t", template, "--detailed-exitcode"];
        for p in parameters {
            args.extend(["-p", p.as_str()]);
        }
        let plan = self.run(&args);
        assert_eq!(plan.status.code(), Some(2), "{template}: {}", stderr(&plan));
        args[0] = "apply";
        args.retain(|a| *a != "--detailed-exitcode");
        args.extend(["--yes", "--mock-latency", "0"]);
        let apply = self.run(&args);
        assert!(apply.status.success(), "{template}: {}", stderr(&apply));
        assert_eq!(self.status(stack), "CREATE_COMPLETE", "{template}");
    }

    fn destroy(&self, stack: &str) {
        let out = self.run(&["destroy", stack, "--yes", "--mock-latency", "0"]);
        assert!(out.status.success(), "{stack}: {}", stderr(&out));
    }

    /// The mock cloud's resources that belong to a stack (the account's default VPC does not).
    fn stack_resources(&self) -> Vec<String> {
        self.json(&["mock", "list"])
            .as_array()
            .expect("a list")
            .iter()
            .filter(|r| !r["stack_name"].is_null())
            .map(|r| format!("{} {}", r["resource_type"], r["physical_id"]))
            .collect()
    }

    fn assert_no_orphans(&self) {
        let left = self.stack_resources();
        assert!(left.is_empty(), "left in the mock cloud: {left:#?}");
    }

    fn output(&self, stack: &str, key: &str) -> String {
        self.json(&["outputs", stack])
            .as_array()
            .expect("a list")
            .iter()
            .find(|o| o["key"] == key)
            .and_then(|o| o["value"].as_str())
            .unwrap_or_else(|| panic!("output {key} of {stack}"))
            .to_owned()
    }

    /// The account's default VPC and two of its subnets, as `VpcId=` and `SubnetIds=` parameters.
    fn default_network(&self) -> Vec<String> {
        let all = self.json(&["mock", "list"]);
        let account: Vec<&Value> = all
            .as_array()
            .expect("a list")
            .iter()
            .filter(|r| r["stack_name"].is_null())
            .collect();
        let ids = |ty: &str| -> Vec<String> {
            account
                .iter()
                .filter(|r| r["resource_type"] == ty)
                .filter_map(|r| r["physical_id"].as_str().map(str::to_owned))
                .collect()
        };
        let subnets = ids("AWS::EC2::Subnet");
        assert!(subnets.len() >= 2, "the default VPC has two subnets");
        vec![
            format!("VpcId={}", ids("AWS::EC2::VPC")[0]),
            format!("SubnetIds={}", subnets[..2].join(",")),
        ]
    }

    /// The stage names of the pipeline the mock cloud holds.
    fn pipeline_stages(&self) -> Vec<String> {
        self.json(&["mock", "list"])
            .as_array()
            .expect("a list")
            .iter()
            .find(|r| r["resource_type"] == "AWS::CodePipeline::Pipeline")
            .and_then(|r| r["properties"]["Stages"].as_array())
            .expect("a pipeline with stages")
            .iter()
            .filter_map(|s| s["Name"].as_str().map(str::to_owned))
            .collect()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn every_template_validates_clean() {
    for t in [
        "templates/network.yaml",
        "templates/ecs-service.yaml",
        "templates/serverless-api.yaml",
        "templates/cicd-pipeline.yaml",
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_cairn"))
            .current_dir(crate::root())
            .env("NO_COLOR", "1")
            .args(["validate", "--strict", t])
            .output()
            .expect("cairn runs");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("no problems found"), "{t}: {text}");
    }
}

#[test]
fn network_spans_three_zones_and_leaves_nothing() {
    let s = Sandbox::new("network");
    s.create("net", "templates/network.yaml", &["AzCount=3".to_owned()]);
    assert_eq!(s.output("net", "PublicSubnetIds").split(',').count(), 3);
    assert_eq!(s.output("net", "PrivateSubnetIds").split(',').count(), 3);
    s.destroy("net");
    s.assert_no_orphans();
}

#[test]
fn ecs_service_runs_on_the_network_stack() {
    let s = Sandbox::new("ecs");
    s.create(
        "net",
        "templates/network.yaml",
        &["NatGateway=false".to_owned()],
    );
    let params = vec![
        format!("VpcId={}", s.output("net", "VpcId")),
        format!("SubnetIds={}", s.output("net", "PublicSubnetIds")),
    ];
    s.create("web", "templates/ecs-service.yaml", &params);
    s.destroy("web");
    s.destroy("net");
    s.assert_no_orphans();
}

#[test]
fn serverless_api_with_gradual_deployment() {
    let s = Sandbox::new("serverless");
    s.create("api", "templates/serverless-api.yaml", &[]);
    assert!(s.output("api", "FunctionAliasArn").ends_with(":live"));
    s.destroy("api");
    s.assert_no_orphans();
}

#[test]
fn cicd_pipeline_approves_only_for_continuous_delivery() {
    let s = Sandbox::new("pipeline");
    let mut params = s.default_network();
    s.create("delivery", "templates/cicd-pipeline.yaml", &params);
    assert_eq!(
        s.pipeline_stages(),
        ["Source", "Build", "Test", "Approve", "Deploy"]
    );
    s.destroy("delivery");
    s.assert_no_orphans();
    params.push("Delivery=continuous-deployment".to_owned());
    s.create("deployment", "templates/cicd-pipeline.yaml", &params);
    assert_eq!(s.pipeline_stages(), ["Source", "Build", "Test", "Deploy"]);
    s.destroy("deployment");
    s.assert_no_orphans();
}
