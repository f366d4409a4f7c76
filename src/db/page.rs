//! Paged list queries whose page size is written into the SQL text.
//!
//! PostgreSQL plans a prepared statement afresh on every execution while its generic plan looks worse than a custom
//! one, and a generic plan must assume that `LIMIT $n` could be anything (it counts on a tenth of the table), so a
//! bound limit keeps a list statement re-planned on every request, which costs more than running it. With the number
//! in the text the statement settles on a generic plan after a few executions, as it would with literal values.
//! Page sizes are few (1 to the largest page plus one), so a connection keeps at most that many variants.

use diesel::QueryResult;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};

/// `query LIMIT limit`, with `limit` in the SQL text. Build it with [`with_literal_limit`].
#[derive(Debug, Clone, Copy)]
pub struct LiteralLimit<Q> {
    query: Q,
    limit: u16,
}

/// `query` limited to `limit` rows, the number written into the SQL. `query` must not carry a LIMIT of its own.
/// Limits outside `0..=u16::MAX` are clamped (page sizes are validated long before this).
pub fn with_literal_limit<Q>(query: Q, limit: i64) -> LiteralLimit<Q> {
    LiteralLimit { query, limit: u16::try_from(limit.max(0)).unwrap_or(u16::MAX) }
}

/// No static id: diesel then keys its statement cache by the SQL text, which differs per limit. (A static id would
/// hand a statement prepared for one page size to a request for another.)
impl<Q> QueryId for LiteralLimit<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for LiteralLimit<Q> {
    type SqlType = Q::SqlType;
}

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for LiteralLimit<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.query.walk_ast(out.reborrow())?;
        out.push_sql(" LIMIT ");
        out.push_sql(&self.limit.to_string());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;

    use super::*;
    use crate::db::schema::units;

    #[test]
    fn the_limit_is_part_of_the_text_and_the_statement_stays_cacheable() {
        let query = with_literal_limit(units::table.select(units::id).filter(units::code.eq("SKD")).into_boxed(), 21);
        let sql = diesel::debug_query::<Pg, _>(&query).to_string();
        assert!(sql.contains("WHERE (\"units\".\"code\" = $1) LIMIT 21 --"), "{sql}");
        assert!(query.is_safe_to_cache_prepared(&Pg).unwrap());
    }

    #[test]
    fn a_static_query_loses_its_static_id_so_page_sizes_never_share_a_statement() {
        fn id_of<Q: QueryId>(_: &Q) -> Option<std::any::TypeId> {
            Q::query_id()
        }
        let fixed = units::table.select(units::id);
        assert!(id_of(&fixed).is_some());
        assert_eq!(id_of(&with_literal_limit(fixed, 21)), None);
    }

    #[test]
    fn a_limit_out_of_range_is_clamped() {
        assert_eq!(with_literal_limit((), -5).limit, 0);
        assert_eq!(with_literal_limit((), 1 << 40).limit, u16::MAX);
    }
}
