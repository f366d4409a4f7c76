DROP TABLE deadline_policies;
DROP TABLE holidays;
DROP TABLE regions;
DROP TABLE categories;
