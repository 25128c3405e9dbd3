//! Safety agreements: one per couple, versioned; a version is in effect once both
//! partners acknowledged it, and the previous one stays in effect until then.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use tandem_domain::agreements::PartnerTerms;

use crate::error::{StoreError, StoreResult};
use crate::schema::{agreement_acknowledgements, safety_agreements};
use crate::{AnyConnection, time};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = safety_agreements)]
pub struct AgreementRow {
    pub id: String,
    pub practice_id: String,
    pub couple_id: String,
    pub version: i32,
    pub partner_a_terms: String,
    pub partner_b_terms: String,
    pub review_by: chrono::NaiveDateTime,
    pub created_by: String,
    pub created_at: chrono::NaiveDateTime,
}

impl AgreementRow {
    /// Both partners' terms, partner A first.
    pub fn terms(&self) -> StoreResult<[PartnerTerms; 2]> {
        let parse =
            |t: &str| serde_json::from_str::<PartnerTerms>(t).map_err(|e| StoreError::Corrupt(format!("terms: {e}")));
        Ok([parse(&self.partner_a_terms)?, parse(&self.partner_b_terms)?])
    }
}

/// A version with the partners who acknowledged it.
#[derive(Debug, Clone)]
pub struct Version {
    pub row: AgreementRow,
    pub acknowledgements: Vec<(String, chrono::NaiveDateTime)>,
}

impl Version {
    #[must_use]
    pub fn acknowledged_by(&self) -> Vec<String> {
        self.acknowledgements.iter().map(|(u, _)| u.clone()).collect()
    }
}

/// Every version of a couple's agreement, newest first, with acknowledgements.
pub fn versions(conn: &mut AnyConnection, couple_id: &str) -> StoreResult<Vec<Version>> {
    let rows: Vec<AgreementRow> = safety_agreements::table
        .filter(safety_agreements::couple_id.eq(couple_id))
        .order(safety_agreements::version.desc())
        .select(AgreementRow::as_select())
        .load(conn)?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let acks: Vec<(String, String, chrono::NaiveDateTime)> = agreement_acknowledgements::table
        .filter(agreement_acknowledgements::agreement_id.eq_any(&ids))
        .order(agreement_acknowledgements::acknowledged_at.asc())
        .select((
            agreement_acknowledgements::agreement_id,
            agreement_acknowledgements::user_id,
            agreement_acknowledgements::acknowledged_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let acknowledgements =
                acks.iter().filter(|(a, _, _)| *a == row.id).map(|(_, u, at)| (u.clone(), *at)).collect();
            Version { row, acknowledgements }
        })
        .collect())
}

/// The newest version both partners acknowledged, if any.
pub fn in_effect(conn: &mut AnyConnection, couple_id: &str, partners: [&str; 2]) -> StoreResult<Option<Version>> {
    Ok(versions(conn, couple_id)?
        .into_iter()
        .find(|v| tandem_domain::agreements::in_effect(&v.acknowledged_by(), partners)))
}

pub fn insert(conn: &mut AnyConnection, row: &AgreementRow) -> StoreResult<()> {
    diesel::insert_into(safety_agreements::table).values(row).execute(conn).map_err(|e| match StoreError::from(e) {
        StoreError::Conflict(_) => StoreError::Conflict("agreement version".into()),
        other => other,
    })?;
    Ok(())
}

/// Records a partner's acknowledgement; returns false if they had already acknowledged.
pub fn acknowledge(
    conn: &mut AnyConnection,
    row: &AgreementRow,
    user_id: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let exists: i64 = agreement_acknowledgements::table
        .filter(agreement_acknowledgements::agreement_id.eq(&row.id))
        .filter(agreement_acknowledgements::user_id.eq(user_id))
        .count()
        .get_result(conn)?;
    if exists > 0 {
        return Ok(false);
    }
    diesel::insert_into(agreement_acknowledgements::table)
        .values((
            agreement_acknowledgements::agreement_id.eq(&row.id),
            agreement_acknowledgements::user_id.eq(user_id),
            agreement_acknowledgements::practice_id.eq(&row.practice_id),
            agreement_acknowledgements::acknowledged_at.eq(time::to_db(now)),
        ))
        .execute(conn)?;
    Ok(true)
}
