//! The SAM transform's errors: each one is a [`Diagnostic`] with a span in the template and, as its first
//! note, the sentence AWS's translator reports for it ("Resource with id [X] is invalid. ..."), so the
//! reference error message can be rebuilt with [`reference_message`]. It never decides what is invalid.

use crate::source::{Diagnostic, Span};

use super::codes;

/// What an error is about; decides the sentence's opening words and its place in the sorted message.
#[derive(Clone, Debug)]
pub(super) enum Subject {
    Structure,
    Globals,
    Resource(String),
    /// An event of a resource: `Resource with id [R] is invalid. Event with id [E] is invalid.`
    Event(String, String),
    /// An event reported on its own: `Event with id [E] is invalid.`
    EventOnly(String),
}

/// One error found while expanding.
#[derive(Clone, Debug)]
pub(super) struct SamError {
    pub code: &'static str,
    pub subject: Subject,
    pub message: String,
    pub span: Span,
}

impl SamError {
    pub fn resource(id: &str, span: Span, message: impl Into<String>) -> SamError {
        SamError {
            code: codes::INVALID_RESOURCE,
            subject: Subject::Resource(id.to_owned()),
            message: message.into(),
            span,
        }
    }

    pub fn event(id: &str, event: &str, span: Span, message: impl Into<String>) -> SamError {
        SamError {
            code: codes::INVALID_EVENT,
            subject: Subject::Event(id.to_owned(), event.to_owned()),
            message: message.into(),
            span,
        }
    }

    pub fn structure(span: Span, message: impl Into<String>) -> SamError {
        SamError {
            code: codes::INVALID_STRUCTURE,
            subject: Subject::Structure,
            message: message.into(),
            span,
        }
    }

    pub fn globals(span: Span, message: impl Into<String>) -> SamError {
        SamError {
            code: codes::INVALID_GLOBALS,
            subject: Subject::Globals,
            message: message.into(),
            span,
        }
    }

    pub fn unsupported(id: &str, span: Span, what: impl Into<String>) -> SamError {
        SamError {
            code: codes::UNSUPPORTED,
            subject: Subject::Resource(id.to_owned()),
            message: what.into(),
            span,
        }
    }

    pub fn needs_input(id: &str, span: Span, what: impl Into<String>) -> SamError {
        SamError {
            code: codes::NEEDS_INPUT,
            subject: Subject::Resource(id.to_owned()),
            message: what.into(),
            span,
        }
    }

    fn sort_key(&self) -> &str {
        match &self.subject {
            Subject::Structure | Subject::Globals => "",
            Subject::Resource(id) | Subject::Event(id, _) | Subject::EventOnly(id) => id,
        }
    }

    /// The translator's sentence for this error.
    fn sentence(&self) -> String {
        match &self.subject {
            // The translator words a logical id clash on its own.
            Subject::Structure if self.code == codes::ID_CLASH => self.message.clone(),
            Subject::Structure => {
                format!("Structure of the SAM template is invalid. {}", self.message)
            }
            Subject::Globals => format!("'Globals' section is invalid. {}", self.message),
            Subject::Resource(id) => {
                format!("Resource with id [{id}] is invalid. {}", self.message)
            }
            Subject::Event(id, event) => format!(
                "Resource with id [{id}] is invalid. Event with id [{event}] is invalid. {}",
                self.message
            ),
            Subject::EventOnly(event) => {
                format!("Event with id [{event}] is invalid. {}", self.message)
            }
        }
    }

    fn diagnostic(&self) -> Diagnostic {
        let what = match &self.subject {
            Subject::Structure => "the SAM template's structure is invalid".to_owned(),
            Subject::Globals => "the `Globals` section is invalid".to_owned(),
            Subject::Resource(id) if self.code == codes::NEEDS_INPUT => {
                format!("resource `{id}` cannot be expanded yet")
            }
            Subject::Resource(id) if self.code == codes::UNSUPPORTED => {
                format!("resource `{id}` uses a SAM feature this version does not expand")
            }
            Subject::Resource(id) => format!("serverless resource `{id}` is invalid"),
            Subject::Event(id, event) => {
                format!("event `{event}` of serverless resource `{id}` is invalid")
            }
            Subject::EventOnly(event) => format!("event `{event}` is invalid"),
        };
        let message = format!("{what}: {}", self.message);
        // What is not expanded yet is not the template's fault: a warning, though the transform still stops.
        let d = if self.code == codes::UNSUPPORTED || self.code == codes::NEEDS_INPUT {
            Diagnostic::warning(self.code, self.span, message)
        } else {
            Diagnostic::error(self.code, self.span, message)
        };
        d.with_note(self.sentence())
    }
}

/// The errors as diagnostics, sorted the way the translator sorts its message (by logical id).
pub(super) fn into_diagnostics(mut errors: Vec<SamError>) -> Vec<Diagnostic> {
    errors.sort_by(|a, b| a.sort_key().cmp(b.sort_key()));
    errors.iter().map(SamError::diagnostic).collect()
}

/// The message AWS's translator gives for these diagnostics: a header with the error count, then each
/// error's sentence. `None` when none of them comes from the SAM transform.
pub fn reference_message(diagnostics: &[Diagnostic]) -> Option<String> {
    let sentences: Vec<&str> = diagnostics
        .iter()
        .filter(|d| d.code.starts_with("E63"))
        .filter_map(|d| d.notes.first().map(String::as_str))
        .collect();
    if sentences.is_empty() {
        return None;
    }
    // An invalid structure stops the translator at once: it reports that error alone.
    let structure = "Structure of the SAM template is invalid.";
    let sentences = match sentences.iter().find(|s| s.starts_with(structure)) {
        Some(first) => vec![*first],
        None => sentences,
    };
    Some(format!(
        "Invalid Serverless Application Specification document. Number of errors found: {}. {}",
        sentences.len(),
        sentences.join(" ")
    ))
}
