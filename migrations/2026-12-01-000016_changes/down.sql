DROP TRIGGER action_plans_changes ON action_plans;
DROP TRIGGER follow_ups_changes ON follow_ups;
DROP TRIGGER dispositions_changes ON dispositions;
DROP TRIGGER complaints_changes ON complaints;
DROP FUNCTION record_change();
DROP TABLE changes;
