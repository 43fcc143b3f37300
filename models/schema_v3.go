package models

// Migration 3: lesson progress (viewed / completed per student and lesson).
const schemaV3 = `
CREATE TABLE lesson_progress (
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	lesson_key TEXT NOT NULL,
	viewed_at {{time}} NOT NULL,
	completed_at {{time}},
	PRIMARY KEY (user_id, lesson_key)
);
CREATE INDEX lesson_progress_recent ON lesson_progress (user_id, viewed_at);
`
