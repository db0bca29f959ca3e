"""The tally kept by the database: `voting_tally`, one row per proposal and role.

A ranking that summed every vote row cost half a second at a million votes and seconds
at ten million. Here the sums are kept as the votes are written: after every INSERT,
UPDATE or DELETE on `voting_vote`, whatever path wrote it (the services, the admin, a
data migration, raw SQL, erasure), a statement-level trigger adds the statement's
changes to the rows of the proposals and roles they touch, in the same transaction. So
a tally read at any moment equals the sum over the vote rows committed at that moment.

- The changes come from the statement's transition tables (the rows before and after),
  each old row counted −1 and each new row +1, summed per (proposal, role); a change
  that sums to nothing (erasing the voter, touching `updated_at`) writes and locks no
  tally row. A million votes inserted in one statement are one aggregate, not a million
  upserts.
- Each row is changed by `INSERT … ON CONFLICT DO UPDATE SET n = n + EXCLUDED.n`: the
  row lock serialises concurrent voters on one proposal, none of their additions lost.
  A statement's rows are taken in (proposal, role) order, so that two statements never
  wait on each other's rows in opposite orders.
- A row whose counts fall to zero is deleted (a role with no votes left on a proposal
  is not listed); the counts may never go below zero (CHECK), so a drifted tally fails
  loudly instead of being wrong.
- Each row carries when a vote last changed it (`updated_at`, the transaction's time),
  for the open-data pages' versions.
- TRUNCATE of the votes empties the tally too.

The table is filled from the existing votes in the same transaction, after the trigger
exists: creating the trigger locks the votes against writes until the migration
commits, so no vote falls between the two.
"""


import django.db.models.deletion
from django.db import migrations, models

TALLY = "voting_tally"
COLUMNS = "supporters, opponents, abstentions, support_weight, oppose_weight"

# The sums of rows `c` with a `sign` (+1 new, −1 old), per (proposal, role).
SUMS = """
    coalesce(sum(c.sign) FILTER (WHERE c.value = 1), 0),
    coalesce(sum(c.sign) FILTER (WHERE c.value = -1), 0),
    coalesce(sum(c.sign) FILTER (WHERE c.value = 0), 0),
    coalesce(sum(c.sign * c.weight) FILTER (WHERE c.value = 1), 0),
    coalesce(sum(c.sign * c.weight) FILTER (WHERE c.value = -1), 0)"""

NEW = "SELECT proposal_id, role_id, value, weight, 1 AS sign FROM new_votes"
OLD = "SELECT proposal_id, role_id, value, weight, -1 AS sign FROM old_votes"
CHANGES = {"INSERT": NEW, "UPDATE": f"{NEW} UNION ALL {OLD}", "DELETE": OLD}

# A PL/pgSQL block applying the changes `{changes}` to the tally, one (proposal, role)
# at a time in that order. An UPDATE where the row exists (a count may fall); else an
# INSERT, which only votes added can need (a CHECK is tested on the row an INSERT
# proposes, before ON CONFLICT, so a negative change cannot go through one) and which
# meets a row another transaction just inserted as an UPDATE.
APPLY = f"""
        FOR d IN
            SELECT * FROM (
                SELECT c.proposal_id, c.role_id, {SUMS}
                FROM ({{changes}}) c
                GROUP BY c.proposal_id, c.role_id) s(proposal_id, role_id, {COLUMNS})
            WHERE (supporters, opponents, abstentions, support_weight, oppose_weight)
                  <> (0, 0, 0, 0, 0)
            ORDER BY proposal_id, role_id NULLS FIRST
        LOOP
            UPDATE {TALLY} t SET
                supporters = t.supporters + d.supporters,
                opponents = t.opponents + d.opponents,
                abstentions = t.abstentions + d.abstentions,
                support_weight = t.support_weight + d.support_weight,
                oppose_weight = t.oppose_weight + d.oppose_weight,
                updated_at = now()
            WHERE t.proposal_id = d.proposal_id
              AND (t.role_id = d.role_id OR (t.role_id IS NULL AND d.role_id IS NULL))
            RETURNING t.id, t.supporters + t.opponents + t.abstentions INTO row_id, left_;
            IF NOT FOUND THEN
                INSERT INTO {TALLY} AS t (proposal_id, role_id, {COLUMNS}, updated_at)
                VALUES (d.proposal_id, d.role_id, d.supporters, d.opponents, d.abstentions,
                        d.support_weight, d.oppose_weight, now())
                ON CONFLICT (proposal_id, role_id) DO UPDATE SET
                    supporters = t.supporters + EXCLUDED.supporters,
                    opponents = t.opponents + EXCLUDED.opponents,
                    abstentions = t.abstentions + EXCLUDED.abstentions,
                    support_weight = t.support_weight + EXCLUDED.support_weight,
                    oppose_weight = t.oppose_weight + EXCLUDED.oppose_weight,
                    updated_at = EXCLUDED.updated_at;
            ELSIF left_ = 0 THEN
                DELETE FROM {TALLY} WHERE id = row_id;
            END IF;
        END LOOP;"""  # noqa: S608 (constants)

FORWARD = f"""
CREATE FUNCTION voting_tally_apply() RETURNS trigger AS $$
DECLARE
    d record;
    row_id bigint;
    left_ bigint;
BEGIN
    -- Each branch names only the transition tables its trigger has.
    IF TG_OP = 'INSERT' THEN{APPLY.format(changes=CHANGES["INSERT"])}
    ELSIF TG_OP = 'UPDATE' THEN{APPLY.format(changes=CHANGES["UPDATE"])}
    ELSE{APPLY.format(changes=CHANGES["DELETE"])}
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE FUNCTION voting_tally_emptied() RETURNS trigger AS $$
BEGIN
    DELETE FROM {TALLY};
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

-- A trigger with transition tables takes one event only.
CREATE TRIGGER voting_tally_inserted AFTER INSERT ON voting_vote
    REFERENCING NEW TABLE AS new_votes
    FOR EACH STATEMENT EXECUTE FUNCTION voting_tally_apply();
CREATE TRIGGER voting_tally_updated AFTER UPDATE ON voting_vote
    REFERENCING OLD TABLE AS old_votes NEW TABLE AS new_votes
    FOR EACH STATEMENT EXECUTE FUNCTION voting_tally_apply();
CREATE TRIGGER voting_tally_deleted AFTER DELETE ON voting_vote
    REFERENCING OLD TABLE AS old_votes
    FOR EACH STATEMENT EXECUTE FUNCTION voting_tally_apply();
CREATE TRIGGER voting_tally_truncated AFTER TRUNCATE ON voting_vote
    FOR EACH STATEMENT EXECUTE FUNCTION voting_tally_emptied();

INSERT INTO {TALLY} (proposal_id, role_id, {COLUMNS}, updated_at)
SELECT c.proposal_id, c.role_id, {SUMS}, max(c.updated_at)
FROM (SELECT proposal_id, role_id, value, weight, updated_at, 1 AS sign FROM voting_vote) c
GROUP BY c.proposal_id, c.role_id;
"""  # noqa: S608 (constants)


REVERSE = """
DROP TRIGGER IF EXISTS voting_tally_inserted ON voting_vote;
DROP TRIGGER IF EXISTS voting_tally_updated ON voting_vote;
DROP TRIGGER IF EXISTS voting_tally_deleted ON voting_vote;
DROP TRIGGER IF EXISTS voting_tally_truncated ON voting_vote;
DROP FUNCTION IF EXISTS voting_tally_apply();
DROP FUNCTION IF EXISTS voting_tally_emptied();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_stakeholderrole_translations'),
        ('proposals', '0008_proposal_status_notice'),
        ('voting', '0003_frozen_on_every_path'),
    ]

    operations = [
        migrations.CreateModel(
            name='VoteTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('supporters', models.IntegerField()),
                ('opponents', models.IntegerField()),
                ('abstentions', models.IntegerField()),
                ('support_weight', models.DecimalField(decimal_places=3, max_digits=20)),
                ('oppose_weight', models.DecimalField(decimal_places=3, max_digits=20)),
                ('updated_at', models.DateTimeField()),
                ('proposal', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='tallies', to='proposals.proposal')),
                ('role', models.ForeignKey(null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='accounts.stakeholderrole')),
            ],
            options={
                'db_table': 'voting_tally',
                'constraints': [models.UniqueConstraint(fields=('proposal', 'role'), name='voting_tally_once', nulls_distinct=False), models.CheckConstraint(condition=models.Q(('supporters__gte', 0), ('opponents__gte', 0), ('abstentions__gte', 0), ('support_weight__gte', 0), ('oppose_weight__gte', 0)), name='voting_tally_not_negative')],
            },
        ),
        migrations.RunSQL(FORWARD, REVERSE),
    ]
