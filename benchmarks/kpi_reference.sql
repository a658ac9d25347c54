-- Reference implementation of the 20 KPIs of docs/design.md section 2, as ONE hand-written DuckDB
-- query: every rep in `reps` x every quarter that appears in the data, calendar hours.
--
-- It is the baseline that benchmarks/bench_kpis.py times the kit's Ibis KPI layer against
-- (docs/design.md section 9), and an independent implementation that the kit's numbers are
-- cross-checked with. It needs the tables reps, customers, interactions, surveys, deals
-- and quotas with the columns of docs/design.md section 4 (quotas may be empty, not missing).
--
-- Conventions:
--   * Quarters are calendar quarters (fiscal year starting in January), labelled '2026Q3':
--     interactions by opened_at, surveys by submitted_at, closed deals (won/lost) by
--     closed_at, personalized_proposals by created_at. Rows are grouped on the quarter's
--     first day; the label is made only for the few result rows.
--   * Quarters of the output: those of interactions, surveys, closed deals and created deals.
--   * hours(a, b) = (epoch(b) - epoch(a)) / 3600.0.
--   * Customer-raised issues: kind IN ('complaint', 'inquiry', 'request'), credited to
--     interactions.rep_id. Default SLA hours when sla_hours is NULL: complaint 24,
--     inquiry 48, request 72.
--   * Each KPI comes with n_<kpi>, the count it was computed from; a rate or mean with
--     n = 0 is NULL; the counts and sums personalized_proposals and revenue_won are 0.
--   * The survey instrument is the bundled one: needs_understood = q_communication_1;
--     transparency = q_transparency_1 and q_transparency_2 (reverse-keyed, 1-5 scale).
--
-- Passes: interactions twice (per handling rep; per owned customer, complaint and
-- proactive rows only), surveys once (joined to interactions and customers for the
-- attribution), deals twice (closed; created), customers twice (ownership, headcount).

WITH
-- ---------------------------------------------------------------- interactions, per rep
interaction_rows AS (
    SELECT
        date_trunc('quarter', opened_at)::DATE                        AS q_start,
        rep_id,
        kind,
        kind IN ('complaint', 'inquiry', 'request')                   AS is_issue,
        channel IN ('phone', 'email')                                 AS is_call_or_mail,
        resolved_at IS NOT NULL                                       AS is_resolved,
        contacts,
        reopened,
        (epoch(resolved_at) - epoch(opened_at)) / 3600.0              AS resolution_hours,
        (epoch(first_response_at) - epoch(opened_at)) / 3600.0        AS response_hours,
        coalesce(sla_hours, CASE kind WHEN 'complaint' THEN 24
                                      WHEN 'inquiry'   THEN 48
                                      WHEN 'request'   THEN 72 END)   AS sla_limit_hours
    FROM interactions
),
interaction_kpis AS (
    SELECT
        q_start,
        rep_id,
        -- resolution_hours_median: resolved customer-raised issues
        median(resolution_hours) FILTER (WHERE is_issue AND is_resolved)      AS resolution_hours_median,
        count(*) FILTER (WHERE is_issue AND is_resolved)                      AS n_resolved,
        -- sla_met_rate: all customer-raised issues; unresolved ones are not met
        count(*) FILTER (WHERE is_issue)                                      AS n_issues,
        count(*) FILTER (WHERE is_issue AND is_resolved
                           AND resolution_hours <= sla_limit_hours)           AS sla_met,
        -- first_contact_resolution_rate: resolved issues with a contact count
        count(*) FILTER (WHERE is_issue AND is_resolved
                           AND contacts IS NOT NULL)                          AS n_fcr,
        count(*) FILTER (WHERE is_issue AND is_resolved AND contacts = 1)     AS fcr_met,
        -- reopen_rate: resolved issues
        count(*) FILTER (WHERE is_issue AND is_resolved AND reopened)         AS reopened,
        -- first_response_hours_median: issues with a first response
        median(response_hours) FILTER (WHERE is_issue
                                         AND response_hours IS NOT NULL)      AS first_response_hours_median,
        count(*) FILTER (WHERE is_issue AND response_hours IS NOT NULL)       AS n_responded,
        -- callback_within_24h_rate: phone and e-mail issues; no response is not met
        count(*) FILTER (WHERE is_issue AND is_call_or_mail)                  AS n_calls,
        count(*) FILTER (WHERE is_issue AND is_call_or_mail
                           AND response_hours <= 24)                          AS calls_met,
        -- proactive_contact_share: all the rep's interactions
        count(*)                                                              AS n_interactions,
        count(*) FILTER (WHERE kind = 'proactive')                            AS n_proactive
    FROM interaction_rows
    GROUP BY q_start, rep_id
),
-- ------------------------------------------- interactions, per customer of an owning rep
owned_customers AS (
    SELECT customer_id, owner_rep_id
    FROM customers
    WHERE owner_rep_id IS NOT NULL
),
customer_quarters AS (
    -- One row per (quarter, owned customer) with a complaint or a proactive contact.
    SELECT
        date_trunc('quarter', i.opened_at)::DATE                              AS q_start,
        c.owner_rep_id,
        i.customer_id,
        count(*) FILTER (WHERE i.kind = 'complaint')                          AS n_complaints,
        min(i.opened_at) FILTER (WHERE i.kind = 'complaint')                  AS first_complaint,
        min(i.opened_at) FILTER (WHERE i.kind = 'proactive'
                                   AND i.rep_id = c.owner_rep_id)             AS first_proactive
    FROM interactions AS i
    JOIN owned_customers AS c USING (customer_id)
    WHERE i.kind IN ('complaint', 'proactive')
    GROUP BY 1, 2, 3
),
owner_kpis AS (
    SELECT
        q_start,
        owner_rep_id                                                          AS rep_id,
        sum(n_complaints)                                                     AS n_complaints,
        -- proactive_resolution_rate: customers with a first proactive contact by the
        -- owner or a first complaint in the quarter; success = the rep came first
        count(*) FILTER (WHERE first_proactive IS NOT NULL
                            OR first_complaint IS NOT NULL)                   AS n_with_issue,
        count(*) FILTER (WHERE first_proactive IS NOT NULL
                           AND (first_complaint IS NULL
                                OR first_proactive < first_complaint))        AS n_proactive_first
    FROM customer_quarters
    GROUP BY 1, 2
),
-- ---------------------------------------------------------------------------- surveys
survey_rows AS (
    SELECT
        date_trunc('quarter', s.submitted_at)::DATE                           AS q_start,
        coalesce(s.rep_id, i.rep_id, c.owner_rep_id)                          AS rep_id,
        s.csat,
        s.nps,
        s.q_communication_1                                                   AS needs_understood,
        -- transparency dimension: mean of the answered items, q_transparency_2 reflected
        -- (6 - x on 1-5); NULL unless at least half of the 2 items are answered
        CASE WHEN (s.q_transparency_1 IS NOT NULL)::INT
                + (s.q_transparency_2 IS NOT NULL)::INT >= 1
             THEN (coalesce(s.q_transparency_1, 0) + coalesce(6 - s.q_transparency_2, 0))
                  / ((s.q_transparency_1 IS NOT NULL)::INT
                     + (s.q_transparency_2 IS NOT NULL)::INT)::DOUBLE
        END                                                                   AS transparency
    FROM surveys AS s
    LEFT JOIN interactions AS i ON i.interaction_id = s.interaction_id
    LEFT JOIN customers    AS c ON c.customer_id    = s.customer_id
),
survey_kpis AS (
    SELECT
        q_start,
        rep_id,
        avg(csat)                                                             AS csat_mean,
        count(csat)                                                           AS n_responses,
        count(*) FILTER (WHERE csat >= 4)                                     AS n_top2,
        count(nps)                                                            AS n_nps,
        count(*) FILTER (WHERE nps >= 9)                                      AS n_promoters,
        count(*) FILTER (WHERE nps <= 6)                                      AS n_detractors,
        avg(needs_understood)                                                 AS needs_understood_score,
        count(needs_understood)                                               AS n_needs_understood,
        avg(transparency)                                                     AS transparency_score,
        count(transparency)                                                   AS n_transparency
    FROM survey_rows
    GROUP BY 1, 2
),
-- ------------------------------------------------------------------------------ deals
closed_deal_kpis AS (
    SELECT
        date_trunc('quarter', closed_at)::DATE                                AS q_start,
        rep_id,
        count(*)                                                              AS n_closed,
        count(*) FILTER (WHERE stage = 'won')                                 AS n_won,
        count(*) FILTER (WHERE needs_analysis)                                AS n_needs_analysis,
        count(*) FILTER (WHERE needs_analysis AND stage = 'won')              AS n_needs_analysis_won,
        count(*) FILTER (WHERE personalized)                                  AS n_personalized,
        count(*) FILTER (WHERE personalized AND stage = 'won')                AS n_personalized_won,
        coalesce(sum(amount) FILTER (WHERE stage = 'won'), 0)                 AS revenue_won
    FROM deals
    WHERE stage IN ('won', 'lost') AND closed_at IS NOT NULL
    GROUP BY 1, 2
),
created_deal_kpis AS (
    SELECT
        date_trunc('quarter', created_at)::DATE                               AS q_start,
        rep_id,
        count(*)                                                              AS n_created,
        count(*) FILTER (WHERE personalized)                                  AS n_personalized_created
    FROM deals
    WHERE created_at IS NOT NULL
    GROUP BY 1, 2
),
-- ------------------------------------------------------------------ the output grid
quarters AS (
    SELECT
        q_start,
        (q_start + INTERVAL 3 MONTH)::DATE                                    AS q_end,
        year(q_start) || 'Q' || quarter(q_start)                              AS quarter
    FROM (
        SELECT q_start FROM interaction_kpis
        UNION SELECT q_start FROM survey_kpis
        UNION SELECT q_start FROM closed_deal_kpis
        UNION SELECT q_start FROM created_deal_kpis
    )
    WHERE q_start IS NOT NULL
),
customer_counts AS (
    -- complaints_per_100_customers denominator: customers the rep owns that were
    -- customers before the quarter ended (or have no start date)
    SELECT
        q.q_start,
        c.owner_rep_id                                                        AS rep_id,
        count(*)                                                              AS n_customers
    FROM quarters AS q
    JOIN customers AS c ON c.since IS NULL OR c.since < q.q_end
    WHERE c.owner_rep_id IS NOT NULL
    GROUP BY 1, 2
),
grid AS (
    SELECT q.q_start, q.quarter, r.rep_id
    FROM quarters AS q
    CROSS JOIN (SELECT DISTINCT rep_id FROM reps) AS r
),
counts AS (
    SELECT
        g.quarter,
        g.rep_id,
        g.q_start,
        i.resolution_hours_median,
        i.first_response_hours_median,
        coalesce(i.n_resolved, 0)                    AS n_resolved,
        coalesce(i.n_issues, 0)                      AS n_issues,
        coalesce(i.sla_met, 0)                       AS sla_met,
        coalesce(i.n_fcr, 0)                         AS n_fcr,
        coalesce(i.fcr_met, 0)                       AS fcr_met,
        coalesce(i.reopened, 0)                      AS reopened,
        coalesce(i.n_responded, 0)                   AS n_responded,
        coalesce(i.n_calls, 0)                       AS n_calls,
        coalesce(i.calls_met, 0)                     AS calls_met,
        coalesce(i.n_interactions, 0)                AS n_interactions,
        coalesce(i.n_proactive, 0)                   AS n_proactive,
        coalesce(o.n_complaints, 0)                  AS n_complaints,
        coalesce(o.n_with_issue, 0)                  AS n_with_issue,
        coalesce(o.n_proactive_first, 0)             AS n_proactive_first,
        coalesce(cc.n_customers, 0)                  AS n_customers,
        s.csat_mean,
        s.needs_understood_score,
        s.transparency_score,
        coalesce(s.n_responses, 0)                   AS n_responses,
        coalesce(s.n_top2, 0)                        AS n_top2,
        coalesce(s.n_nps, 0)                         AS n_nps,
        coalesce(s.n_promoters, 0)                   AS n_promoters,
        coalesce(s.n_detractors, 0)                  AS n_detractors,
        coalesce(s.n_needs_understood, 0)            AS n_needs_understood,
        coalesce(s.n_transparency, 0)                AS n_transparency,
        coalesce(d.n_closed, 0)                      AS n_closed,
        coalesce(d.n_won, 0)                         AS n_won,
        coalesce(d.n_needs_analysis, 0)              AS n_needs_analysis,
        coalesce(d.n_needs_analysis_won, 0)          AS n_needs_analysis_won,
        coalesce(d.n_personalized, 0)                AS n_personalized,
        coalesce(d.n_personalized_won, 0)            AS n_personalized_won,
        coalesce(d.revenue_won, 0)                   AS revenue_won,
        coalesce(p.n_created, 0)                     AS n_created,
        coalesce(p.n_personalized_created, 0)        AS n_personalized_created,
        qu.quota
    FROM grid AS g
    LEFT JOIN interaction_kpis  AS i  ON i.q_start  = g.q_start AND i.rep_id  = g.rep_id
    LEFT JOIN owner_kpis        AS o  ON o.q_start  = g.q_start AND o.rep_id  = g.rep_id
    LEFT JOIN customer_counts   AS cc ON cc.q_start = g.q_start AND cc.rep_id = g.rep_id
    LEFT JOIN survey_kpis       AS s  ON s.q_start  = g.q_start AND s.rep_id  = g.rep_id
    LEFT JOIN closed_deal_kpis  AS d  ON d.q_start  = g.q_start AND d.rep_id  = g.rep_id
    LEFT JOIN created_deal_kpis AS p  ON p.q_start  = g.q_start AND p.rep_id  = g.rep_id
    LEFT JOIN quotas            AS qu ON qu.quarter = g.quarter AND qu.rep_id = g.rep_id
)
SELECT
    quarter,
    rep_id,
    -- 2.1 overall satisfaction
    csat_mean,                                                   n_responses          AS n_csat_mean,
    n_top2 / nullif(n_responses, 0)::DOUBLE                      AS csat_top2_rate,
                                                                 n_responses          AS n_csat_top2_rate,
    100.0 * (n_promoters - n_detractors) / nullif(n_nps, 0)      AS nps,
                                                                 n_nps                AS n_nps,
    -- 2.2 responsiveness
    resolution_hours_median,                                     n_resolved           AS n_resolution_hours_median,
    sla_met / nullif(n_issues, 0)::DOUBLE                        AS sla_met_rate,
                                                                 n_issues             AS n_sla_met_rate,
    -- 2.3 communication
    fcr_met / nullif(n_fcr, 0)::DOUBLE                           AS first_contact_resolution_rate,
                                                                 n_fcr                AS n_first_contact_resolution_rate,
    reopened / nullif(n_resolved, 0)::DOUBLE                     AS reopen_rate,
                                                                 n_resolved           AS n_reopen_rate,
    needs_understood_score,                                      n_needs_understood   AS n_needs_understood_score,
    -- 3.1 transparency
    transparency_score,                                          n_transparency       AS n_transparency_score,
    -- 3.2 responsiveness
    first_response_hours_median,                                 n_responded          AS n_first_response_hours_median,
    calls_met / nullif(n_calls, 0)::DOUBLE                       AS callback_within_24h_rate,
                                                                 n_calls              AS n_callback_within_24h_rate,
    -- 4.1, 4.2 personalization
    n_needs_analysis_won / nullif(n_needs_analysis, 0)::DOUBLE   AS needs_analysis_success_rate,
                                                                 n_needs_analysis     AS n_needs_analysis_success_rate,
    n_personalized_created                                       AS personalized_proposals,
                                                                 n_created            AS n_personalized_proposals,
    n_personalized_won / nullif(n_personalized, 0)::DOUBLE       AS personalized_acceptance_rate,
                                                                 n_personalized       AS n_personalized_acceptance_rate,
    -- 5.1, 5.2 proactivity
    n_proactive / nullif(n_interactions, 0)::DOUBLE              AS proactive_contact_share,
                                                                 n_interactions       AS n_proactive_contact_share,
    100.0 * n_complaints / nullif(n_customers, 0)                AS complaints_per_100_customers,
                                                                 n_customers          AS n_complaints_per_100_customers,
    n_proactive_first / nullif(n_with_issue, 0)::DOUBLE          AS proactive_resolution_rate,
                                                                 n_with_issue         AS n_proactive_resolution_rate,
    -- sales
    revenue_won,                                                 n_won                AS n_revenue_won,
    revenue_won / quota                                          AS quota_attainment,
    -- no quota row: nothing to attain, so n is 0 (the kit's convention)
    CASE WHEN quota IS NULL THEN 0 ELSE n_won END                AS n_quota_attainment,
    n_won / nullif(n_closed, 0)::DOUBLE                          AS win_rate,
                                                                 n_closed             AS n_win_rate
FROM counts
ORDER BY quarter, rep_id
