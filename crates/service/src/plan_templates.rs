//! Plan templates: the built-in ones (in every practice, read-only, copyable) and the
//! practice's own. Clinicians write them, staff read them, partners never see them; a
//! template of another practice does not exist. Each is one document under one version
//! (its ETag); archiving hides it from the list and keeps it readable, so plans drafted
//! from it keep their provenance.

use chrono::NaiveDateTime;
use tandem_domain::Action;
use tandem_domain::refusal::Code;
use tandem_domain::templates::{self, BUILTIN_TEMPLATES, BUILTIN_VERSION, BuiltinTemplate, Template, TemplateStep};
use tandem_domain::validation::FieldError;
use tandem_domain::{Resource, templates::builtin_template};
use tandem_store::exercises::{self, ExerciseRow};
use tandem_store::plan_templates::{self as store, TemplateRow, steps_json};
use tandem_store::{AnyConnection, Page, PageRequest, StoreError, ids, time};

use crate::access::allow;
use crate::audit;
use crate::context::Ctx;
use crate::error::{Error, Result};

/// A template's step with its exercises as the practice's library holds them now.
#[derive(Debug, Clone)]
pub struct ResolvedStep {
    pub step: TemplateStep,
    pub exercises: Vec<ExerciseRow>,
}

/// A template as callers see it: built-in or the practice's own.
#[derive(Debug, Clone)]
pub struct PlanTemplate {
    pub id: String,
    pub builtin: bool,
    pub version: i32,
    pub title: String,
    pub goal: String,
    pub steps: Vec<ResolvedStep>,
    /// `None` for built-ins (they have no author or dates in a practice).
    pub created_by: Option<String>,
    pub created_at: Option<NaiveDateTime>,
    pub updated_at: Option<NaiveDateTime>,
    pub archived_at: Option<NaiveDateTime>,
}

impl PlanTemplate {
    /// The content, with exercises named by their id in the practice's library.
    #[must_use]
    pub fn content(&self) -> Template {
        Template {
            title: self.title.clone(),
            goal: self.goal.clone(),
            steps: self
                .steps
                .iter()
                .map(|s| TemplateStep {
                    exercises: s.exercises.iter().map(|e| e.id.clone()).collect(),
                    ..s.step.clone()
                })
                .collect(),
        }
    }
}

/// The template's ETag: names its version, which every edit bumps.
#[must_use]
pub fn tag(t: &PlanTemplate) -> String {
    format!("\"plan-template-{}-{}\"", t.id, t.version)
}

/// Where a template comes from.
enum Source {
    Builtin(&'static BuiltinTemplate),
    Own(TemplateRow),
}

/// The template `id` as the practice sees it: a built-in, or one of its own (archived
/// too); another practice's template is `None`, like one that does not exist.
fn source(conn: &mut AnyConnection, practice_id: &str, id: &str) -> Result<Option<Source>> {
    if let Some(b) = templates::builtin(id) {
        return Ok(Some(Source::Builtin(b)));
    }
    if !ids::is_valid(id) {
        return Ok(None);
    }
    Ok(store::find(conn, id)?.filter(|t| t.practice_id == practice_id).map(Source::Own))
}

fn corrupt(what: String) -> Error {
    Error::from(StoreError::Corrupt(what))
}

/// Resolves templates' exercises against the practice's library, in two queries at most
/// (the starters and the exercises the practice's templates name).
fn resolve(conn: &mut AnyConnection, practice_id: &str, sources: Vec<Source>) -> Result<Vec<PlanTemplate>> {
    let starters = if sources.iter().any(|s| matches!(s, Source::Builtin(_))) {
        exercises::starters(conn, practice_id)?
    } else {
        Vec::new()
    };
    let mut parsed = Vec::new();
    let mut wanted = Vec::new();
    for s in sources {
        if let Source::Own(row) = s {
            let steps = row.step_list()?;
            wanted.extend(steps.iter().flat_map(|s| s.exercises.iter().cloned()));
            parsed.push(Ok((row, steps)));
        } else if let Source::Builtin(b) = s {
            parsed.push(Err(b));
        }
    }
    wanted.sort();
    wanted.dedup();
    let library = exercises::find_many(conn, &wanted)?;
    parsed
        .into_iter()
        .map(|p| match p {
            Err(b) => {
                let content = builtin_template(b);
                let steps = content
                    .steps
                    .into_iter()
                    .map(|step| {
                        let exercises =
                            step.exercises
                                .iter()
                                .map(|key| {
                                    starters.iter().find(|e| e.builtin_key.as_deref() == Some(key)).cloned().ok_or_else(
                                        || corrupt(format!("starter {key} missing in practice {practice_id}")),
                                    )
                                })
                                .collect::<Result<_>>()?;
                        Ok(ResolvedStep { step, exercises })
                    })
                    .collect::<Result<_>>()?;
                Ok(PlanTemplate {
                    id: b.id.to_owned(),
                    builtin: true,
                    version: BUILTIN_VERSION,
                    title: content.title,
                    goal: content.goal,
                    steps,
                    created_by: None,
                    created_at: None,
                    updated_at: None,
                    archived_at: None,
                })
            }
            Ok((row, steps)) => {
                let steps = steps
                    .into_iter()
                    .map(|step| {
                        let exercises = step
                            .exercises
                            .iter()
                            .map(|id| {
                                library
                                    .iter()
                                    .find(|e| &e.id == id)
                                    .cloned()
                                    .ok_or_else(|| corrupt(format!("template {} names exercise {id}", row.id)))
                            })
                            .collect::<Result<_>>()?;
                        Ok(ResolvedStep { step, exercises })
                    })
                    .collect::<Result<_>>()?;
                Ok(PlanTemplate {
                    id: row.id,
                    builtin: false,
                    version: row.version,
                    title: row.title,
                    goal: row.goal,
                    steps,
                    created_by: Some(row.created_by),
                    created_at: Some(row.created_at),
                    updated_at: Some(row.updated_at),
                    archived_at: row.archived_at,
                })
            }
        })
        .collect()
}

/// The template `id` of the caller's practice (built-in or own, archived too), without
/// an access check or an audit event: for a use case that checks and audits itself.
pub fn find(conn: &mut AnyConnection, practice_id: &str, id: &str) -> Result<Option<PlanTemplate>> {
    match source(conn, practice_id, id)? {
        Some(s) => Ok(resolve(conn, practice_id, vec![s])?.pop()),
        None => Ok(None),
    }
}

fn practice(cx: &Ctx) -> Resource<'_> {
    Resource::Practice { practice_id: &cx.actor.practice_id }
}

/// A page of the templates the practice can use: the built-ins first, then its own that
/// are not archived, oldest first (built-in ids sort before every generated id).
pub fn list(cx: &Ctx, page: &PageRequest) -> Result<Page<PlanTemplate>> {
    allow(&cx.actor, Action::ReadPlanTemplates, &practice(cx))?;
    let practice_id = cx.actor.practice_id.clone();
    let items = cx.read(|conn| {
        let after = page.after.as_deref().unwrap_or("");
        let mut sources: Vec<Source> = BUILTIN_TEMPLATES.iter().filter(|b| b.id > after).map(Source::Builtin).collect();
        let fetch = usize::try_from(page.fetch_limit()).unwrap_or(0);
        if sources.len() < fetch {
            // Up to the rows still needed, one of them only to learn a next page exists.
            let needed = i64::try_from(fetch - sources.len()).unwrap_or(1);
            let rest = PageRequest { after: page.after.clone(), limit: needed };
            sources.extend(store::list(conn, &practice_id, &rest)?.items.into_iter().map(Source::Own));
        }
        sources.truncate(fetch);
        resolve(conn, &practice_id, sources)
    })?;
    cx.audit_read(cx.practice_event("plan_template.list", "plan_template"));
    Ok(Page::from_rows(items, page, |t| &t.id))
}

/// One template (staff of the practice; every read audited).
pub fn get(cx: &Ctx, id: &str) -> Result<PlanTemplate> {
    allow(&cx.actor, Action::ReadPlanTemplates, &practice(cx))?;
    let practice_id = cx.actor.practice_id.clone();
    let template = cx.read(|conn| find(conn, &practice_id, id))?.ok_or(Error::NotFound)?;
    cx.audit_read(cx.practice_event("plan_template.read", "plan_template").resource(&template.id));
    Ok(template)
}

/// A new template: a copy of another (`copy_of`) with any of its parts replaced, or
/// written whole.
#[derive(Debug, Clone, Default)]
pub struct NewTemplate {
    pub copy_of: Option<String>,
    pub title: Option<String>,
    pub goal: Option<String>,
    pub steps: Option<Vec<TemplateStep>>,
}

/// Changes to a template; `None` leaves a part as it is (`steps` replaces every step).
#[derive(Debug, Clone, Default)]
pub struct TemplatePatch {
    pub title: Option<String>,
    pub goal: Option<String>,
    pub steps: Option<Vec<TemplateStep>>,
}

/// Checks a template's content: the domain's field rules, then that every exercise is
/// one of the practice's library that is not archived (all problems at once).
fn validate(conn: &mut AnyConnection, practice_id: &str, content: &Template) -> Result<()> {
    let mut errors = content.problems();
    let wanted: Vec<String> = content.steps.iter().flat_map(|s| s.exercises.iter().cloned()).collect();
    let valid: Vec<String> = wanted.iter().filter(|id| ids::is_valid(id)).cloned().collect();
    let found = exercises::find_many(conn, &valid)?;
    for (i, step) in content.steps.iter().enumerate() {
        for (j, id) in step.exercises.iter().enumerate() {
            let usable = found.iter().any(|e| &e.id == id && e.practice_id == practice_id && e.archived_at.is_none());
            if !usable {
                errors.push(FieldError::new(
                    format!("steps[{i}].exercise_ids[{j}]"),
                    "must name an exercise of this practice's library that is not archived",
                ));
            }
        }
    }
    Error::check_fields(errors)
}

/// Adds a template to the practice (clinicians). With `copy_of` it starts as a copy of
/// that template (a built-in or the practice's own), so a built-in can be adapted.
pub fn create(cx: &Ctx, input: NewTemplate) -> Result<PlanTemplate> {
    allow(&cx.actor, Action::WritePlanTemplates, &practice(cx))?;
    let practice_id = cx.actor.practice_id.clone();
    let id = cx.write(|conn| {
        let base = match &input.copy_of {
            Some(source_id) => find(conn, &practice_id, source_id)?
                .ok_or_else(|| {
                    Error::invalid("copy_of", "must name a built-in template or one of this practice's templates")
                })?
                .content(),
            None => Template { title: String::new(), goal: String::new(), steps: Vec::new() },
        };
        let content = Template {
            title: input.title.unwrap_or(base.title),
            goal: input.goal.unwrap_or(base.goal),
            steps: input.steps.unwrap_or(base.steps),
        }
        .trimmed();
        validate(conn, &practice_id, &content)?;
        let row = TemplateRow {
            id: ids::new_id(),
            practice_id: practice_id.clone(),
            version: 1,
            title: content.title,
            goal: content.goal,
            steps: steps_json(&content.steps),
            created_by: cx.actor.user_id.clone(),
            created_at: time::to_db(cx.now),
            updated_at: time::to_db(cx.now),
            archived_at: None,
        };
        store::insert(conn, &row)?;
        audit::record(conn, cx.practice_event("plan_template.create", "plan_template").resource(&row.id))?;
        Ok(row.id)
    })?;
    cx.read(|conn| find(conn, &practice_id, &id))?.ok_or(Error::NotFound)
}

/// Loads the practice's own template for an edit at the version the caller read: 404 for
/// none, 412 for a stale `If-Match` (`None` when absent), 409 for a built-in (read-only;
/// copy it to adapt it) or an archived one.
fn for_edit(cx: &Ctx, conn: &mut AnyConnection, id: &str, if_match: Option<&str>) -> Result<TemplateRow> {
    let current = find(conn, &cx.actor.practice_id, id)?.ok_or(Error::NotFound)?;
    match if_match {
        Some(value) if value.split(',').map(str::trim).any(|t| t == "*" || t == tag(&current)) => {}
        _ => return Err(Error::Stale),
    }
    if current.builtin {
        return Err(Error::refused(
            Code::NotEditable,
            "built-in templates are read-only; copy one (POST with `copy_of`) to adapt it",
        ));
    }
    store::find(conn, id)?.ok_or(Error::NotFound)
}

/// Edits a template of the practice (clinicians, at the version they read); every edit
/// bumps the version. Archived templates are not edited.
pub fn update(cx: &Ctx, id: &str, if_match: Option<&str>, patch: TemplatePatch) -> Result<PlanTemplate> {
    allow(&cx.actor, Action::WritePlanTemplates, &practice(cx))?;
    let practice_id = cx.actor.practice_id.clone();
    cx.write(|conn| {
        let current = for_edit(cx, conn, id, if_match)?;
        if current.archived_at.is_some() {
            return Err(Error::refused(Code::NotEditable, "an archived template cannot be edited"));
        }
        let content = Template {
            title: patch.title.unwrap_or_else(|| current.title.clone()),
            goal: patch.goal.unwrap_or_else(|| current.goal.clone()),
            steps: match patch.steps {
                Some(steps) => steps,
                None => current.step_list()?,
            },
        }
        .trimmed();
        validate(conn, &practice_id, &content)?;
        let row = TemplateRow {
            version: current.version + 1,
            title: content.title,
            goal: content.goal,
            steps: steps_json(&content.steps),
            updated_at: time::to_db(cx.now),
            ..current.clone()
        };
        if !store::update_if_version(conn, &row, current.version)? {
            return Err(Error::Stale);
        }
        audit::record(conn, cx.practice_event("plan_template.update", "plan_template").resource(&row.id))?;
        find(conn, &practice_id, &row.id)?.ok_or(Error::NotFound)
    })
}

/// Archives a template of the practice (clinicians, at the version they read): it leaves
/// the list and cannot be edited or used for new plans; plans drafted from it keep their
/// provenance and the template stays readable. Archiving twice changes nothing.
pub fn archive(cx: &Ctx, id: &str, if_match: Option<&str>) -> Result<()> {
    allow(&cx.actor, Action::WritePlanTemplates, &practice(cx))?;
    cx.write(|conn| {
        let current = for_edit(cx, conn, id, if_match)?;
        if current.archived_at.is_some() {
            return Ok(());
        }
        let row = TemplateRow {
            version: current.version + 1,
            archived_at: Some(time::to_db(cx.now)),
            updated_at: time::to_db(cx.now),
            ..current.clone()
        };
        if !store::update_if_version(conn, &row, current.version)? {
            return Err(Error::Stale);
        }
        audit::record(conn, cx.practice_event("plan_template.archive", "plan_template").resource(&row.id))?;
        Ok(())
    })
}
