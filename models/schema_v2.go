package models

// Migration 2: the question bank with immutable versions, the blueprint,
// attempts and their items, and spaced-review cards. On SQLite attempt_items
// is a WITHOUT ROWID table: its primary key is the table, so starting a mock
// writes 150 rows into one b-tree. There is deliberately no index on
// attempt_items.question_id: it made starting a mock four times slower,
// and what needs items by question (item analysis, regrading) runs in the
// background.
const schemaV2 = `
CREATE TABLE questions (
	id TEXT PRIMARY KEY,
	source TEXT NOT NULL CHECK (source IN ('builtin', 'authored')),
	author_id BIGINT REFERENCES users (id),
	status TEXT NOT NULL CHECK (status IN ('draft', 'ready', 'retired')),
	current_version BIGINT,
	set_id TEXT NOT NULL DEFAULT '',
	set_pos INTEGER NOT NULL DEFAULT 0,
	qtype TEXT NOT NULL,
	domain TEXT NOT NULL,
	topic TEXT NOT NULL,
	level TEXT NOT NULL,
	difficulty INTEGER NOT NULL,
	tags TEXT NOT NULL DEFAULT '',
	created_at {{time}} NOT NULL,
	updated_at {{time}} NOT NULL
);
CREATE INDEX questions_draw ON questions (status, domain);
CREATE INDEX questions_author ON questions (author_id);
CREATE TABLE question_versions (
	id {{id}},
	question_id TEXT NOT NULL REFERENCES questions (id),
	version INTEGER NOT NULL,
	hash TEXT NOT NULL,
	body TEXT NOT NULL,
	created_by BIGINT REFERENCES users (id),
	created_at {{time}} NOT NULL,
	UNIQUE (question_id, version)
);
CREATE TABLE blueprints (
	id {{id}},
	outline TEXT NOT NULL,
	effective TEXT NOT NULL,
	body TEXT NOT NULL,
	active BOOLEAN NOT NULL DEFAULT FALSE,
	created_by BIGINT REFERENCES users (id),
	created_at {{time}} NOT NULL
);
CREATE TABLE attempts (
	id {{id}},
	user_id BIGINT NOT NULL REFERENCES users (id),
	mode TEXT NOT NULL CHECK (mode IN ('tutor', 'timed', 'mock', 'custom', 'review', 'quiz')),
	title TEXT NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('active', 'submitted', 'expired')),
	started_at {{time}} NOT NULL,
	deadline {{time}},
	finished_at {{time}},
	items INTEGER NOT NULL,
	scored_items INTEGER NOT NULL,
	correct INTEGER,
	score DOUBLE PRECISION,
	current_item INTEGER NOT NULL DEFAULT 1,
	blueprint_id BIGINT REFERENCES blueprints (id),
	feedback TEXT NOT NULL CHECK (feedback IN ('immediate', 'end')),
	settings TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX attempts_user ON attempts (user_id, started_at);
CREATE INDEX attempts_open ON attempts (status, deadline);
CREATE TABLE attempt_items (
	attempt_id BIGINT NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
	n INTEGER NOT NULL,
	question_id TEXT NOT NULL REFERENCES questions (id),
	version_id BIGINT NOT NULL REFERENCES question_versions (id),
	option_order TEXT NOT NULL,
	scored BOOLEAN NOT NULL,
	answer TEXT NOT NULL DEFAULT '',
	seq BIGINT NOT NULL DEFAULT 0,
	flagged BOOLEAN NOT NULL DEFAULT FALSE,
	answered_at {{time}},
	revealed BOOLEAN NOT NULL DEFAULT FALSE,
	correct BOOLEAN,
	time_ms BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (attempt_id, n)
){{without_rowid}};
CREATE TABLE review_cards (
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	question_id TEXT NOT NULL REFERENCES questions (id),
	stability DOUBLE PRECISION NOT NULL,
	difficulty DOUBLE PRECISION NOT NULL,
	reps INTEGER NOT NULL,
	lapses INTEGER NOT NULL,
	last_review {{time}} NOT NULL,
	due {{time}} NOT NULL,
	PRIMARY KEY (user_id, question_id)
);
CREATE INDEX review_cards_due ON review_cards (user_id, due);
`
