DROP TABLE action_plan_realisations;
