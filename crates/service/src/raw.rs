//! Raw store access for the adapters that still run store code themselves
//! (`api::db::read`/`write`, the transaction `api::idempotency::run` hands its caller),
//! while their routes move to use cases. It goes away with them; new code calls a use
//! case instead.

pub use tandem_store::connection::discard_if_lost;
pub use tandem_store::{AnyConnection, DbError, StoreError, pooled_write_tx};
