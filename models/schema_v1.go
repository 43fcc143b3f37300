package models

import "gorm.io/gorm"

// Dates without a time of day (placement start and end, hour-log days) are
// stored as TEXT 'YYYY-MM-DD'; instants are stored in UTC.
const schemaV1 = `
CREATE TABLE settings (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL,
	updated_at {{time}} NOT NULL
);
CREATE TABLE users (
	id {{id}},
	email TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	role TEXT NOT NULL CHECK (role IN ('student', 'instructor', 'supervisor', 'admin')),
	password_hash TEXT NOT NULL,
	disabled BOOLEAN NOT NULL DEFAULT FALSE,
	password_changed_at {{time}} NOT NULL,
	last_login_at {{time}},
	created_at {{time}} NOT NULL,
	updated_at {{time}} NOT NULL
);
CREATE INDEX users_role ON users (role);
CREATE TABLE sessions (
	id TEXT PRIMARY KEY,
	user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
	csrf_token TEXT NOT NULL,
	data TEXT NOT NULL DEFAULT '',
	ip TEXT NOT NULL DEFAULT '',
	user_agent TEXT NOT NULL DEFAULT '',
	created_at {{time}} NOT NULL,
	last_seen_at {{time}} NOT NULL,
	expires_at {{time}} NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE TABLE login_throttle (
	key TEXT PRIMARY KEY,
	failures INTEGER NOT NULL,
	locked_until {{time}},
	updated_at {{time}} NOT NULL
);
CREATE TABLE tokens (
	id {{id}},
	token_hash TEXT NOT NULL UNIQUE,
	kind TEXT NOT NULL CHECK (kind IN ('setup', 'reset')),
	user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
	created_by BIGINT REFERENCES users (id),
	created_at {{time}} NOT NULL,
	expires_at {{time}} NOT NULL,
	used_at {{time}}
);
CREATE TABLE audit_log (
	id {{id}},
	at {{time}} NOT NULL,
	actor_id BIGINT,
	actor_email TEXT NOT NULL DEFAULT '',
	action TEXT NOT NULL,
	target_type TEXT NOT NULL DEFAULT '',
	target_id TEXT NOT NULL DEFAULT '',
	ip TEXT NOT NULL DEFAULT '',
	detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_action ON audit_log (action, at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);
CREATE TABLE cohorts (
	id {{id}},
	name TEXT NOT NULL,
	term TEXT NOT NULL DEFAULT '',
	join_code TEXT NOT NULL UNIQUE,
	required_hours INTEGER NOT NULL DEFAULT 90 CHECK (required_hours > 0),
	instructor_id BIGINT NOT NULL REFERENCES users (id),
	archived BOOLEAN NOT NULL DEFAULT FALSE,
	created_at {{time}} NOT NULL,
	updated_at {{time}} NOT NULL
);
CREATE INDEX cohorts_instructor ON cohorts (instructor_id);
CREATE TABLE cohort_members (
	cohort_id BIGINT NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	joined_at {{time}} NOT NULL,
	PRIMARY KEY (cohort_id, user_id)
);
CREATE INDEX cohort_members_user ON cohort_members (user_id);
CREATE TABLE placements (
	id {{id}},
	student_id BIGINT NOT NULL REFERENCES users (id),
	supervisor_id BIGINT NOT NULL REFERENCES users (id),
	cohort_id BIGINT REFERENCES cohorts (id) ON DELETE SET NULL,
	site_name TEXT NOT NULL,
	site_address TEXT NOT NULL DEFAULT '',
	site_type TEXT NOT NULL DEFAULT '',
	start_date TEXT NOT NULL,
	end_date TEXT NOT NULL,
	required_hours INTEGER NOT NULL CHECK (required_hours > 0),
	virtual_cap_hours INTEGER NOT NULL DEFAULT 0 CHECK (virtual_cap_hours >= 0),
	created_by BIGINT NOT NULL REFERENCES users (id),
	created_at {{time}} NOT NULL,
	updated_at {{time}} NOT NULL,
	CHECK (end_date >= start_date)
);
CREATE INDEX placements_student ON placements (student_id);
CREATE INDEX placements_supervisor ON placements (supervisor_id);
`

// appendOnlyAudit makes the audit log append-only in the database itself:
// an UPDATE or DELETE on it fails, whoever issues it.
func appendOnlyAudit(tx *gorm.DB, dialect string) error {
	stmts := map[string][]string{
		SQLite: {
			`CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
			`CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
		},
		Postgres: {
			`CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$ LANGUAGE plpgsql`,
			`CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`,
		},
	}[dialect]
	for _, s := range stmts {
		if err := tx.Exec(s).Error; err != nil {
			return err
		}
	}
	return nil
}
