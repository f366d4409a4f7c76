DROP TABLE action_plan_reviews;
DROP TABLE action_plan_versions;
DROP TABLE action_plan_rows;
DROP TABLE action_plans;
DROP TABLE action_plan_period_units;
DROP TABLE action_plan_periods;
