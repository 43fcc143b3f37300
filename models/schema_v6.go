package models

// Migration 6: instructor quizzes, cohort assignments with windows,
// accommodations and per-assignment overrides, item analysis and regrades.
const schemaV6 = `
CREATE TABLE quizzes (
	id {{id}},
	owner_id BIGINT NOT NULL REFERENCES users (id),
	title TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	kind TEXT NOT NULL CHECK (kind IN ('fixed', 'rules', 'blueprint')),
	mode TEXT NOT NULL CHECK (mode IN ('tutor', 'timed', 'exam')),
	time_limit_minutes INTEGER NOT NULL DEFAULT 0,
	attempts_allowed INTEGER NOT NULL DEFAULT 1,
	grading TEXT NOT NULL CHECK (grading IN ('highest', 'last', 'average', 'first')),
	shuffle BOOLEAN NOT NULL DEFAULT TRUE,
	review_policy TEXT NOT NULL CHECK (review_policy IN ('immediately', 'after_close', 'never')),
	rules TEXT NOT NULL DEFAULT '[]',
	blueprint_items INTEGER NOT NULL DEFAULT 0,
	created_at {{time}} NOT NULL,
	updated_at {{time}} NOT NULL
);
CREATE INDEX quizzes_owner ON quizzes (owner_id);
CREATE TABLE quiz_questions (
	quiz_id BIGINT NOT NULL REFERENCES quizzes (id) ON DELETE CASCADE,
	pos INTEGER NOT NULL,
	question_id TEXT NOT NULL REFERENCES questions (id),
	PRIMARY KEY (quiz_id, pos)
);
CREATE TABLE assignments (
	id {{id}},
	quiz_id BIGINT NOT NULL REFERENCES quizzes (id) ON DELETE CASCADE,
	cohort_id BIGINT NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
	opens_at {{time}} NOT NULL,
	closes_at {{time}} NOT NULL,
	created_by BIGINT REFERENCES users (id),
	created_at {{time}} NOT NULL,
	UNIQUE (quiz_id, cohort_id),
	CHECK (closes_at > opens_at)
);
CREATE TABLE accommodations (
	cohort_id BIGINT NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	time_multiplier DOUBLE PRECISION NOT NULL DEFAULT 1,
	extra_minutes INTEGER NOT NULL DEFAULT 0,
	extra_attempts INTEGER NOT NULL DEFAULT 0,
	note TEXT NOT NULL DEFAULT '',
	updated_at {{time}} NOT NULL,
	PRIMARY KEY (cohort_id, user_id)
);
CREATE TABLE assignment_overrides (
	assignment_id BIGINT NOT NULL REFERENCES assignments (id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	time_multiplier DOUBLE PRECISION NOT NULL DEFAULT 1,
	extra_minutes INTEGER NOT NULL DEFAULT 0,
	extra_attempts INTEGER NOT NULL DEFAULT 0,
	updated_at {{time}} NOT NULL,
	PRIMARY KEY (assignment_id, user_id)
);
ALTER TABLE attempts ADD COLUMN assignment_id BIGINT REFERENCES assignments (id);
CREATE INDEX attempts_assignment ON attempts (assignment_id, user_id);
CREATE UNIQUE INDEX attempts_one_active ON attempts (assignment_id, user_id) WHERE status = 'active' AND assignment_id IS NOT NULL;
CREATE TABLE quiz_stats (
	quiz_id BIGINT PRIMARY KEY REFERENCES quizzes (id) ON DELETE CASCADE,
	attempts INTEGER NOT NULL,
	body TEXT NOT NULL,
	computed_at {{time}} NOT NULL
);
CREATE TABLE stats_dirty (
	quiz_id BIGINT PRIMARY KEY REFERENCES quizzes (id) ON DELETE CASCADE,
	since {{time}} NOT NULL
);
CREATE TABLE import_previews (
	id TEXT PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	filename TEXT NOT NULL,
	format TEXT NOT NULL,
	body TEXT NOT NULL,
	created_at {{time}} NOT NULL
);
CREATE TABLE regrades (
	id {{id}},
	quiz_id BIGINT NOT NULL REFERENCES quizzes (id) ON DELETE CASCADE,
	question_id TEXT NOT NULL,
	to_version BIGINT NOT NULL,
	policy TEXT NOT NULL CHECK (policy IN ('both', 'new')),
	attempts INTEGER NOT NULL,
	changed INTEGER NOT NULL,
	details TEXT NOT NULL,
	actor_id BIGINT REFERENCES users (id),
	created_at {{time}} NOT NULL
);
`
