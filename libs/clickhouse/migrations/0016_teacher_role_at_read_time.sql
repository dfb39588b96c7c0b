-- Who is a teacher is read when `engagement` is queried, from the roster facts, instead of being
-- stored: role = 'student' when the participant matched an enrolled student, else 'teacher' when
-- its email is that of a teacher of the session's classroom at any time (any roster fact of the
-- teacher, added or removed), else 'other'; teacher_id = the smallest such teacher's id, whatever
-- the role. So no stored row depends on a teacher's roster facts: a teacher added to or removed
-- from a classroom recomputes nothing, and shows at once, even at sessions held before the change
-- (docs/serving.md). Copies of a fact collapse in the GROUP BY. The store's role and teacher_id
-- columns are no longer read (libs/serving/src/sql/engagement.sql.ts).
--
-- Same columns, in the same order and of the same types, so user queries and
-- `unmatched_participants` (which reads `engagement`) are unchanged. A filter on the view reaches
-- the store's GROUP BY, as before; the teachers' side of the join is filtered by the filter's
-- institute on current ClickHouse, and read whole on 18.16 (it pushes no predicate into the right
-- side of a join): the teacher rows of roster_events, few beside the rest. 18.16 has no CREATE OR
-- REPLACE VIEW: dropped and created again.
DROP TABLE IF EXISTS engagement;

CREATE VIEW IF NOT EXISTS engagement AS
SELECT
    institute_id, session_id, classroom_id, participant, email, user_name, joins, first_join, last_leave, seconds_present, minutes_present,
    minutes_late, seconds_sharing, minutes_sharing, shared, student_id, matched_by,
    if(student_id != '', 'student', if(teacher_id != '', 'teacher', 'other')) AS role, teacher_id, minutes_late_scheduled
FROM
(
    SELECT
        institute_id, session_id, v.1 AS classroom_id, participant, v.2 AS email, v.3 AS user_name,
        v.4 AS joins, if(v.5, NULL, v.6) AS first_join, if(v.7, NULL, v.8) AS last_leave, v.9 AS seconds_present, v.10 AS minutes_present, if(v.11, NULL, v.12) AS minutes_late,
        v.13 AS seconds_sharing, v.14 AS minutes_sharing, v.15 AS shared, v.16 AS student_id, v.17 AS matched_by, if(v.18, NULL, v.19) AS minutes_late_scheduled
    FROM
    (
        SELECT institute_id, session_id, participant, argMax(tuple(classroom_id, email, user_name, joins, isNull(first_join), assumeNotNull(first_join), isNull(last_leave), assumeNotNull(last_leave), seconds_present, minutes_present, isNull(minutes_late), assumeNotNull(minutes_late), seconds_sharing, minutes_sharing, shared, student_id, matched_by, isNull(minutes_late_scheduled), assumeNotNull(minutes_late_scheduled)), _version) AS v
        FROM engagement_store
        GROUP BY institute_id, session_id, participant
    )
) AS l
ANY LEFT JOIN
(
    SELECT institute_id, classroom_id, member_email AS email, min(member_id) AS teacher_id
    FROM roster_events
    WHERE member_role = 'teacher' AND member_email != ''
    GROUP BY institute_id, classroom_id, member_email
) AS r USING (institute_id, classroom_id, email);
