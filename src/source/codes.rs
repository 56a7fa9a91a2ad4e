//! The stable diagnostic codes. A code never changes meaning once released; retired codes are not reused.
//! `E` codes are errors, `W` codes warnings (some become errors under `--strict`).
//!
//! | range | stage |
//! | --- | --- |
//! | `E0xxx` / `W0xxx` | loading: files, YAML/JSON syntax, tags, limits |
//! | `E1xxx` / `W1xxx` | template structure: sections, attributes, logical ids |
//! | `E2xxx` | references: Ref, GetAtt, Sub, DependsOn, conditions, mappings |
//! | `E3xxx` / `W3xxx` | intrinsic functions and conditions (`E300x`); resources against the spec (`E301x`, `W301x`) |
//! | `E4xxx` | parameters |
//! | `E80xx` / `W80xx` | CodeDeploy AppSpec files (see [`cicd`](crate::cicd)) |
//! | `E81xx` / `W81xx` | CodeBuild buildspec files (see [`cicd`](crate::cicd)) |
//! | `W9xxx` | CloudFormation's service limits |

macro_rules! codes {
    ($($name:ident = $code:literal : $what:literal;)*) => {
        $(pub const $name: &str = $code;)*
        /// Every code with a one-line description, for SARIF rule metadata and `--explain`-style listings.
        pub const ALL: &[(&str, &str)] = &[$(($code, $what)),*];
    };
}

codes! {
    FILE_UNREADABLE = "E0001": "the file cannot be read (missing, a directory, or an I/O error)";
    YAML_SYNTAX = "E0002": "the YAML is not well formed";
    JSON_SYNTAX = "E0003": "the JSON is not well formed";
    DUPLICATE_KEY = "E0004": "a mapping has the same key twice";
    LIMIT_EXCEEDED = "E0005": "a loader limit was exceeded (file size, nesting depth, alias expansion)";
    INVALID_UTF8 = "E0006": "the file is not valid UTF-8";
    EMPTY_DOCUMENT = "E0007": "the file holds no template";
    NOT_A_MAPPING = "E0008": "the template is not a mapping";
    UNKNOWN_TAG = "E0009": "an unknown YAML tag";
    BAD_KEY = "E0010": "a mapping key that is not a scalar";
    MULTIPLE_DOCUMENTS = "E0011": "more than one YAML document in a file";
    STACKED_TAGS = "W0001": "a short-form tag applied directly to another short-form tag";
    UNKNOWN_SECTION = "E1001": "an unknown top-level section";
    BAD_SHAPE = "E1002": "a value of the wrong shape (mapping, list, string)";
    BAD_FORMAT_VERSION = "E1003": "AWSTemplateFormatVersion is not 2010-09-09";
    MISSING_TYPE = "E1004": "a resource without Type";
    UNKNOWN_ATTRIBUTE = "E1005": "an unknown attribute on a resource, parameter, output or other entry";
    MISSING_VALUE = "E1006": "an output without Value, or another required key missing";
    BAD_LOGICAL_ID = "E1007": "a logical id that is not alphanumeric or is too long";
    DUPLICATE_LOGICAL_ID = "E1008": "a logical id used twice across Parameters and Resources";
    NO_RESOURCES = "E1009": "the template has no Resources";
    BAD_POLICY = "E1010": "a DeletionPolicy or UpdateReplacePolicy value CloudFormation does not accept";
    MODULE_ATTRIBUTE = "E1011": "an attribute or property a module resource cannot have";
    UNKNOWN_TRANSFORM = "E1012": "a transform name in AWS's namespace that AWS does not have";
    TRANSFORM_NOT_EXPANDED = "W1001": "a transform Cairn does not expand yet: checks that depend on it are skipped";
    UNRESOLVED_REF = "E2001": "Ref to a name that is not a parameter, resource or pseudo parameter";
    UNRESOLVED_GETATT = "E2002": "Fn::GetAtt on a resource that does not exist";
    UNRESOLVED_SUB = "E2003": "a Fn::Sub variable that names nothing";
    UNRESOLVED_DEPENDS_ON = "E2004": "DependsOn names a resource that does not exist";
    UNKNOWN_CONDITION = "E2005": "a condition name that is not defined in Conditions";
    UNKNOWN_MAPPING = "E2006": "Fn::FindInMap names a mapping or key that does not exist";
    SELF_DEPENDS_ON = "E2007": "a resource depends on itself";
    DEPENDENCY_CYCLE = "E2008": "resources that depend on each other in a cycle";
    SUB_VARIABLE_OUTSIDE_SUB = "E2009": "a `${Name}` variable in a string that is not in Fn::Sub";
    UNKNOWN_FUNCTION = "E3001": "an unknown intrinsic function";
    FUNCTION_NOT_ALLOWED = "E3002": "an intrinsic function where CloudFormation does not allow it";
    BAD_ARGUMENTS = "E3003": "an intrinsic function with arguments of the wrong number or shape";
    SUB_NOT_LITERAL = "E3004": "the Fn::Sub template string is not a literal string";
    CONDITION_CYCLE = "E3005": "conditions that refer to each other in a cycle";
    NOVALUE_IN_OUTPUTS = "E3006": "Ref AWS::NoValue used in Outputs";
    TRANSFORM_REQUIRED = "E3007": "a function that needs a transform the template does not declare";
    BAD_DYNAMIC_REFERENCE = "E3008": "a malformed {{resolve:...}} dynamic reference";
    UNKNOWN_RESOURCE_TYPE = "E3010": "a resource type the resource spec does not know";
    UNKNOWN_PROPERTY = "E3011": "a property the resource type (or the enclosing structure) does not have";
    MISSING_PROPERTY = "E3012": "a required property is missing";
    WRONG_VALUE_KIND = "E3013": "a property value of the wrong kind (string, integer, number, boolean, list, object)";
    VALUE_NOT_IN_ENUM = "E3014": "a property value that is not one of the allowed values";
    PATTERN_MISMATCH = "E3015": "a string property value that does not match the spec's pattern";
    VALUE_OUT_OF_BOUNDS = "E3016": "a string too short or too long, or a number out of range";
    EXCLUSIVE_PROPERTIES = "E3017": "properties that exclude each other, or none of a set of which exactly one is required";
    UNKNOWN_GETATT_ATTRIBUTE = "E3018": "Fn::GetAtt asks for an attribute the resource type does not have";
    DUPLICATE_ITEMS = "E3019": "a list whose items must be distinct holds the same item twice";
    CONDITIONAL_REFERENCE = "W3010": "a reference to a conditional resource from a place not guarded by its condition";
    BAD_PARAMETER_TYPE = "E4001": "a parameter type CloudFormation does not know";
    DEFAULT_VIOLATES_CONSTRAINT = "E4002": "a parameter Default that violates the parameter's own constraints";
    BAD_ALLOWED_PATTERN = "E4003": "an AllowedPattern that is not a valid regular expression";
    BAD_CONSTRAINT = "E4004": "a parameter constraint that does not fit the type or is inconsistent";
    APPSPEC_UNKNOWN_KEY = "E8001": "an AppSpec key CodeDeploy does not know";
    APPSPEC_BAD_SHAPE = "E8002": "an AppSpec value of the wrong shape (mapping, list, string, number)";
    APPSPEC_MISSING_KEY = "E8003": "a required AppSpec key is missing";
    APPSPEC_BAD_VERSION = "E8004": "the AppSpec version is not 0.0";
    APPSPEC_BAD_VALUE = "E8005": "an AppSpec value CodeDeploy does not accept (os, file_exists_behavior, permission type or mode)";
    APPSPEC_UNKNOWN_EVENT = "E8006": "a hook for a lifecycle event the platform does not have";
    APPSPEC_RESERVED_EVENT = "E8007": "a hook for a lifecycle event that CodeDeploy runs itself and that cannot be scripted";
    APPSPEC_BAD_TIMEOUT = "E8008": "a hook timeout that is not a positive number of seconds, or scripts of one event over 3600 seconds";
    APPSPEC_PLATFORM = "E8009": "the compute platform cannot be told, or the file mixes platforms";
    APPSPEC_WRONG_PLATFORM = "E8010": "a section or format the file's compute platform does not use";
    APPSPEC_DUPLICATE_HOOK = "E8011": "the same lifecycle event hooked twice";
    APPSPEC_AGENT_QUIRK = "W8001": "a value the CodeDeploy agent reads differently than written (an octal mode, runas on Windows)";
    BUILDSPEC_UNKNOWN_KEY = "E8101": "a buildspec key CodeBuild does not know";
    BUILDSPEC_BAD_SHAPE = "E8102": "a buildspec value of the wrong shape (mapping, list, string)";
    BUILDSPEC_MISSING_KEY = "E8103": "a required buildspec key is missing";
    BUILDSPEC_BAD_VERSION = "E8104": "the buildspec version is not 0.1 or 0.2";
    BUILDSPEC_BAD_VALUE = "E8105": "a buildspec value CodeBuild does not accept (shell, on-failure, yes/no, file-format, cache action)";
    BUILDSPEC_MISPLACED = "E8106": "a buildspec key where CodeBuild does not allow it (runtime-versions outside install)";
    BUILDSPEC_RESERVED_NAME = "E8107": "an environment variable CodeBuild reserves (CODEBUILD_ prefix) or cannot export (AWS_ prefix)";
    BUILDSPEC_BATCH_KINDS = "E8108": "a batch with more than one of build-list, build-matrix and build-graph";
    LIMIT_WARNING = "W9001": "a CloudFormation service limit is exceeded";
}

/// Warnings that `--strict` turns into errors: places where Cairn is more lenient than CloudFormation.
pub const STRICT: &[&str] = &[STACKED_TAGS];

pub fn describe(code: &str) -> Option<&'static str> {
    ALL.iter().find(|(c, _)| *c == code).map(|(_, d)| *d)
}
