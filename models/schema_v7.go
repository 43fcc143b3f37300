package models

// Migration 7: quiz moderation and modes.
//
// Extra attempts granted by moderation ("grant one more attempt") get a
// column of their own beside the quiz-level accommodation: a student's
// allowance is the larger of the cohort and quiz accommodations PLUS the
// grants, so a grant always adds an attempt. (Grants made before this
// migration were stored in extra_attempts and stay there: nobody loses an
// attempt they could already use.)
//
// The "exam" quiz mode behaved exactly like "timed" (feedback at the end,
// release by the review policy), so it is folded into "timed" and no longer
// offered (see docs/architecture.md). The CHECK on quizzes.mode still admits
// 'exam': SQLite cannot alter a CHECK without rebuilding the table, and the
// application refuses the value.
const schemaV7 = `
ALTER TABLE assignment_overrides ADD COLUMN granted_attempts INTEGER NOT NULL DEFAULT 0;
UPDATE quizzes SET mode = 'timed' WHERE mode = 'exam';
`
