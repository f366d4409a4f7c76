DROP TABLE ranking_weights;
