/*
 * reconcile: read C06's answers to the lists of td_c06_export and apply
 * them to the owners: verification state, corrected details (the previous
 * values go to owner_history), the identity findings and the parcels'
 * groups; then the verification rate per commune against the campaign
 * target.
 *
 *     td_reconcile_options o;
 *     const char *files[] = {"c06-11311-tra-loi.xlsx"};
 *     td_reconcile_options_init(&o);              (then a profile over o.rules)
 *     o.replies = files;
 *     o.nreplies = 1;
 *     td_reconcile_summary s;
 *     if (td_reconcile_run(ws, &o, progress, arg, &s, &err) == TD_OK)
 *         ... s.unmatched, s.rates.communes[i].percent ...
 *     td_reconcile_summary_release(&s);
 *
 * A reply is a CSV (UTF-8), XLSX or XLS file with the list's columns
 * (schemas/c06/columns.csv; a header may also be the field's name, and is
 * matched ignoring case and diacritics) below any title rows, on one or
 * more sheets. A row is matched to the owner it was sent for by "Mã chủ sử
 * dụng" (owner_ref), checked against the ID number or name the row repeats;
 * without that column by the ID number, or by name and birth year for
 * owners without one. Every row is kept in c06_replies, whatever became of
 * it. The whole run is one transaction: a malformed row (unknown status,
 * a corrected value that is not a year, an ID number or a sex) stops it
 * with TD_ERR_INPUT naming the file, the row and the column, and nothing
 * changes.
 */
#ifndef TD_RECONCILE_H
#define TD_RECONCILE_H

#include "rules.h"
#include "workspace.h"

typedef struct td_reconcile_options {
	const char *const *replies; /* reply files, applied in this order */
	int nreplies;
	td_rule_settings rules; /* severities and groups for the re-grade; verified_target_percent */
} td_reconcile_options;

/* No replies yet; the catalogue's rule settings. */
void td_reconcile_options_init(td_reconcile_options *o);

/* Verification counts of one commune's certificate holders (or of all of them). */
typedef struct td_verification_rate {
	char commune[16];
	char name[96]; /* from ref_communes; "" when unknown */
	long owners;   /* distinct owners holding a certificate in the commune */
	long verified; /* ... confirmed by C06 (matched) */
	long mismatched, not_found;
	double percent; /* 100 * verified / owners; 100 when there are no owners */
	int meets_target;
} td_verification_rate;

typedef struct td_verification_rates {
	double target; /* percent */
	int ncommunes;
	td_verification_rate *communes; /* ascending code; owned */
	td_verification_rate total;     /* every owner once, wherever they hold land */
	int below;                      /* communes below the target */
} td_verification_rates;

/*
 * The rates now, per commune and in total, against target (percent). Reads
 * only. Release with td_verification_rates_release().
 */
td_status td_verification_rates_read(td_ws *ws, double target, td_verification_rates *r, td_error *err);

/* Accepts NULL. */
void td_verification_rates_release(td_verification_rates *r);

#define TD_RECONCILE_LIST_MAX 50

typedef struct td_reconcile_summary {
	long long run_id; /* the run whose rows c06_replies holds */
	int files;
	long rows;                           /* reply rows read (blank rows skipped) */
	long matched, mismatched, not_found; /* applied rows by status */
	long unanswered;                     /* rows without a status */
	long unmatched;                      /* rows whose keys name no owner sent to C06 */
	long conflicts;                      /* rows answering an owner differently from an earlier row of the run */
	long owners_changed;                 /* owners whose verification changed */
	long values_corrected;               /* owner details changed to C06's values */
	int graded;                          /* identity findings replaced and parcels re-graded */
	char not_graded[160];                /* why not, when graded is 0 */
	long moves[4][4];                    /* [from][to]: parcels that changed group */
	int nlisted;                         /* the first unmatched and conflicting rows, in file order */
	struct {
		char where[512]; /* "reply 'x.csv' row 7" */
		char what[256];  /* why it was not applied; ID numbers masked */
	} listed[TD_RECONCILE_LIST_MAX];
	td_verification_rates rates;
	char json[1024]; /* the counts, as stored in runs */
} td_reconcile_summary;

/*
 * Apply the replies in one stage (td_ws_begin/commit). Identity findings
 * are replaced when the last check is newer than the last ingest, and the
 * parcels re-graded with opts->rules when they had been classified; else
 * graded is 0 and not_graded says what to run. Release sum in every case.
 */
td_status td_reconcile_run(td_ws *ws, const td_reconcile_options *opts, td_progress_fn progress, void *arg,
			   td_reconcile_summary *sum, td_error *err);

void td_reconcile_summary_release(td_reconcile_summary *sum);

/*
 * Write the reply rows of run_id that were not applied (unmatched and
 * conflicts) as CSV, mode 0600 (names and ID numbers): file, sheet, row,
 * outcome, reason, owner_ref, cccd, owner_name, birth_year, status.
 */
td_status td_reconcile_write_unapplied_csv(td_ws *ws, long long run_id, const char *path, td_error *err);

#endif
