/*
 * backup.h: the key backup and restore ceremonies of a backup-capable
 * root (ca-init --backup-capable, ca-backup(1)).
 *
 * 1. ca_backup_wrap_key: the security officer puts a trusted AES-256
 *    wrapping key on the CA's token; its value is split M of N among the
 *    open ceremony's custodians and exists nowhere else.
 * 2. ca_backup_run: the CA and log-signing keys are wrapped under it into
 *    a backup folder, and test-restored into a scratch token, where they
 *    must sign as the certificates' public keys say, before the record
 *    lands.
 * 3. ca_backup_restore: in a separate ceremony, the custodians' shares
 *    rebuild the wrapping key on a new token, the keys are unwrapped into
 *    it, and ca.json names the new token.
 *
 * Records: "backup-wrap-key" (backup_wrap_key), "key-backup" (key_backup)
 * and "key-restore" (key_restore), in ca-transcript(5).
 */
#ifndef CA_BACKUP_H
#define CA_BACKUP_H

#include "ca_err.h"
#include "revoke.h"		/* struct ca_session */

#define CA_BACKUP_FILE "backup.json"

struct ca_wrap_key_req {
	const char *dir;
	unsigned m, n;			/* threshold and custodians */
	const char *shares_out;		/* new folder for the share files */
	const char *so_pin_source;	/* NULL: typed */
};

/*
 * ca_backup_wrap_key: inside an open ceremony of a root made with
 * key_backup, make the trusted wrapping key (labelled
 * "backup-wrap-SPLIT") as the security officer, split its value among
 * the roster's first n custodians into shares_out, and record it.
 * shares_out must be new (ca_path_new), checked before any PIN.
 * Should the record fail, the key is destroyed and the shares removed.
 * head gets the new log head.  CA_ERR_PROFILE when the root was not made
 * backup-capable, and those of ca_path_new, ca_dir_login and keywrap.h.
 */
int ca_backup_wrap_key(const struct ca_wrap_key_req *req,
    const struct ca_session *s, char head[65], struct ca_errbuf *eb)
    CA_MUST_CHECK;

struct ca_backup_req {
	const char *dir;
	const char *out;		/* new, or empty, folder */
	const char *scratch_uri;	/* the test restore's token */
	const char *scratch_pin_source;	/* NULL: typed */
	const char *wrap_shares;	/* "shares:..." or NULL: typed */
};

struct ca_backup_result {
	char mechanism[32];
	char kcv[7];
	char ca_sha256[65], log_sha256[65];	/* of the two blobs */
	char head[65];
};

/*
 * ca_backup_run: wrap the CA and log-signing keys under the recorded
 * wrapping key into req->out (a new or empty folder: ca-key.wrapped,
 * log-key.wrapped, ca.pem, log-signer.pem and backup.json), after a test
 * restore into the scratch token under the same key rebuilt from the
 * custodians' shares, and record it.  Those of keywrap.h and
 * ca_split_collect; CA_ERR_NOT_FOUND when no wrapping key is recorded;
 * CA_ERR_KEY_ATTRS, before anything is wrapped, when the token reports
 * either key as not backup-capable (ca_key_attrs_backup_ok).
 */
int ca_backup_run(const struct ca_backup_req *req, const struct ca_session *s,
    struct ca_backup_result *res, struct ca_errbuf *eb) CA_MUST_CHECK;

struct ca_restore_req {
	const char *dir;
	const char *from;		/* the backup folder */
	const char *token_uri;		/* the new token */
	const char *module;		/* NULL: ca.json's */
	const char *pin_shares;		/* the PIN's shares, for a split PIN */
	const char *wrap_shares;	/* "shares:..." or NULL: typed */
};

/*
 * ca_backup_restore: bring the keys of the newest backup the log records
 * from req->from into the new token (logged in with s->pin_source, the
 * PIN its security officer gave it), under the wrapping key rebuilt from
 * the custodians' shares; for a CA whose PIN is split, the new token then
 * gets that PIN, rebuilt from req->pin_shares.  ca.json then names the
 * new token, and a "key-restore" record signed by the restored log key
 * lands with it.  Should anything fail, the restored keys are destroyed.
 * CA_ERR_VERIFY (the folder is not the backup the log names), and those
 * of keywrap.h.
 */
int ca_backup_restore(const struct ca_restore_req *req,
    const struct ca_session *s, char head[65], struct ca_errbuf *eb)
    CA_MUST_CHECK;

#endif
