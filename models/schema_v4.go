package models

// Migration 4: code sets (ICD-10-CM, ICD-10-PCS, HCPCS Level II by year),
// import jobs with progress, and coding-case attempts.
const schemaV4 = `
CREATE TABLE code_sets (
	id {{id}},
	system TEXT NOT NULL CHECK (system IN ('icd10cm', 'icd10pcs', 'hcpcs')),
	year INTEGER NOT NULL,
	release TEXT NOT NULL,
	source TEXT NOT NULL,
	sha256 TEXT NOT NULL,
	codes INTEGER NOT NULL,
	billable INTEGER NOT NULL,
	subset BOOLEAN NOT NULL DEFAULT FALSE,
	status TEXT NOT NULL CHECK (status IN ('loading', 'active', 'replaced')),
	imported_by BIGINT REFERENCES users (id),
	imported_at {{time}} NOT NULL
);
CREATE INDEX code_sets_active ON code_sets (system, year, status);
CREATE TABLE codes (
	set_id BIGINT NOT NULL REFERENCES code_sets (id) ON DELETE CASCADE,
	code TEXT NOT NULL,
	billable BOOLEAN NOT NULL,
	short_title TEXT NOT NULL,
	long_title TEXT NOT NULL,
	seq INTEGER NOT NULL,
	extra TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (set_id, code)
){{without_rowid}};
CREATE TABLE import_jobs (
	id {{id}},
	kind TEXT NOT NULL,
	file_name TEXT NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
	total INTEGER NOT NULL DEFAULT 0,
	done INTEGER NOT NULL DEFAULT 0,
	message TEXT NOT NULL DEFAULT '',
	created_by BIGINT REFERENCES users (id),
	created_at {{time}} NOT NULL,
	finished_at {{time}}
);
CREATE TABLE coding_attempts (
	id {{id}},
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	case_id TEXT NOT NULL,
	fiscal_year INTEGER NOT NULL,
	setting TEXT NOT NULL,
	chapter INTEGER NOT NULL,
	topics TEXT NOT NULL,
	dx TEXT NOT NULL,
	pcs TEXT NOT NULL,
	points DOUBLE PRECISION NOT NULL,
	max_points DOUBLE PRECISION NOT NULL,
	result TEXT NOT NULL,
	created_at {{time}} NOT NULL
);
CREATE INDEX coding_attempts_user ON coding_attempts (user_id, created_at);
`
