package models

// Migration 5: practicum hour logs, competency ratings and sign-offs,
// evaluations with addenda, cohort-specific competencies.
const schemaV5 = `
CREATE TABLE hour_logs (
	id {{id}},
	placement_id BIGINT NOT NULL REFERENCES placements (id) ON DELETE CASCADE,
	day TEXT NOT NULL,
	minutes INTEGER NOT NULL CHECK (minutes > 0 AND minutes <= 720),
	setting TEXT NOT NULL CHECK (setting IN ('onsite', 'virtual')),
	activities TEXT NOT NULL,
	competencies TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'returned')),
	review_comment TEXT NOT NULL DEFAULT '',
	reviewed_by BIGINT REFERENCES users (id),
	reviewed_at {{time}},
	created_at {{time}} NOT NULL,
	updated_at {{time}} NOT NULL
);
CREATE INDEX hour_logs_placement ON hour_logs (placement_id, day);
CREATE INDEX hour_logs_status ON hour_logs (status, placement_id);
CREATE TABLE cohort_competencies (
	cohort_id BIGINT NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
	id TEXT NOT NULL,
	domain TEXT NOT NULL,
	title TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	created_by BIGINT REFERENCES users (id),
	created_at {{time}} NOT NULL,
	PRIMARY KEY (cohort_id, id)
);
CREATE TABLE competency_ratings (
	placement_id BIGINT NOT NULL REFERENCES placements (id) ON DELETE CASCADE,
	competency_id TEXT NOT NULL,
	self_rating TEXT NOT NULL DEFAULT '',
	self_at {{time}},
	rating TEXT NOT NULL DEFAULT '',
	signed_name TEXT NOT NULL DEFAULT '',
	signed_by BIGINT REFERENCES users (id),
	signed_at {{time}},
	PRIMARY KEY (placement_id, competency_id)
);
CREATE TABLE evaluations (
	id {{id}},
	placement_id BIGINT NOT NULL REFERENCES placements (id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('midterm', 'final', 'site')),
	author_id BIGINT NOT NULL REFERENCES users (id),
	answers TEXT NOT NULL,
	comments TEXT NOT NULL DEFAULT '',
	signed_name TEXT NOT NULL,
	signed_at {{time}} NOT NULL,
	UNIQUE (placement_id, kind)
);
CREATE TABLE evaluation_addenda (
	id {{id}},
	evaluation_id BIGINT NOT NULL REFERENCES evaluations (id) ON DELETE CASCADE,
	author_id BIGINT NOT NULL REFERENCES users (id),
	text TEXT NOT NULL,
	signed_name TEXT NOT NULL,
	created_at {{time}} NOT NULL
);
`
