#include "log.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "certgen.h"
#include "cjson.h"
#include "encode.h"
#include "envinfo.h"
#include "fsio.h"
#include "timefmt.h"

void
ca_log_record_name(long long seq, char buf[32])
{
	snprintf(buf, 32, "%06lld.json", seq);
}

/* Record file names are exactly six or more digits and ".json". */
static long long
record_seq(const char *name)
{
	size_t n = strlen(name), i;
	long long v = 0;

	if (n < 11 || strcmp(name + n - 5, ".json") != 0)
		return -1;
	for (i = 0; i < n - 5; i++) {
		if (name[i] < '0' || name[i] > '9' || i > 15)
			return -1;
		v = v * 10 + (name[i] - '0');
	}
	if (v == 0)
		return -1;
	/* The zero padding is fixed: 000001.json, never 0000001.json. */
	{
		char want[32];

		ca_log_record_name(v, want);
		if (strcmp(want, name) != 0)
			return -1;
	}
	return v;
}

/* List the record numbers, refusing any other file. */
static int
list_records(const char *logdir, long long *maxseq, long long *count,
    struct ca_errbuf *eb)
{
	DIR *d;
	struct dirent *de;
	long long s;

	*maxseq = 0;
	*count = 0;
	if ((d = opendir(logdir)) == NULL) {
		if (errno == ENOENT)
			return 0;
		ca_errf(eb, "\"%s\": %s", logdir, strerror(errno));
		return CA_ERR_IO;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((s = record_seq(de->d_name)) < 0) {
			ca_errf(eb, "\"%s/%s\" does not belong in the log "
			    "folder, which holds only NNNNNN.json records; "
			    "move it out and run the command again", logdir,
			    de->d_name);
			closedir(d);
			return CA_ERR_LOG;
		}
		(*count)++;
		if (s > *maxseq)
			*maxseq = s;
	}
	closedir(d);
	return 0;
}

/* A record's canonical form: rec_head BODY rec_mid SIGS "}". */
static const char rec_head[] = "{\"body\":", rec_mid[] = ",\"sigs\":";
#define HEAD_LEN	(sizeof(rec_head) - 1)
#define MID_LEN		(sizeof(rec_mid) - 1)

/*
 * The canonical bytes of a record's body, cut from the record's own
 * canonical bytes rather than made again: sorted and compact, a record
 * is {"body":BODY,"sigs":SIGS}.  Caller frees *out.  CA_ERR_NOMEM.
 */
static int
body_bytes(const char *canon, size_t clen, const json_t *body,
    const json_t *sigs, char **out, size_t *len)
{
	char *scanon = NULL;
	size_t slen = 0, frame, blen;
	int r;

	*out = NULL;
	if ((r = ca_json_dumps_checked(sigs, &scanon, &slen)) != 0)
		return r;
	frame = HEAD_LEN + MID_LEN + slen + 1;
	blen = clen >= frame ? clen - frame : 0;
	/* Should jansson ever lay a record out otherwise: make it afresh. */
	if (clen < frame || memcmp(canon, rec_head, HEAD_LEN) != 0 ||
	    memcmp(canon + HEAD_LEN + blen, rec_mid, MID_LEN) != 0 ||
	    memcmp(canon + clen - 1 - slen, scanon, slen) != 0) {
		free(scanon);
		return ca_json_dumps_checked(body, out, len);
	}
	free(scanon);
	if ((*out = malloc(blen + 1)) == NULL)
		return CA_ERR_NOMEM;
	memcpy(*out, canon + HEAD_LEN, blen);
	(*out)[blen] = '\0';
	*len = blen;
	return 0;
}

/*
 * Parse one record file: its bytes must be the canonical form of the
 * record plus "\n", so that the file itself can never carry a second,
 * unsigned reading.
 */
int
ca_log_record_read(const char *logdir, long long seq, json_t **out,
    char hash[65], char **bodyp, size_t *body_len, struct ca_errbuf *eb)
{
	char name[32], *path = NULL, *canon = NULL, *bcanon = NULL;
	unsigned char *buf = NULL;
	size_t len = 0, clen = 0, blen = 0;
	json_t *rec = NULL, *body;
	int r;

	*out = NULL;
	ca_log_record_name(seq, name);
	if ((path = ca_path_join(logdir, name)) == NULL)
		return CA_ERR_NOMEM;
	if ((r = ca_read_file(path, CA_LOG_MAX_RECORD, &buf, &len, eb)) != 0)
		goto out;
	if ((r = ca_json_parse((const char *)buf, len, &rec, eb)) != 0) {
		char tmp[sizeof(eb->msg)];

		snprintf(tmp, sizeof(tmp), "%s", eb ? eb->msg : "");
		ca_errf(eb, "%s: %.400s", name, tmp);
		r = r == CA_ERR_CANON ? CA_ERR_CANON : CA_ERR_LOG;
		goto out;
	}
	if (!json_is_object(rec) || json_object_size(rec) != 2 ||
	    !json_is_object(body = json_object_get(rec, "body")) ||
	    !json_is_array(json_object_get(rec, "sigs"))) {
		ca_errf(eb, "%s: a record is {\"body\": {...}, "
		    "\"sigs\": [...]}", name);
		r = CA_ERR_LOG;
		goto out;
	}
	/* ca_json_parse checked the profile. */
	if ((r = ca_json_dumps_checked(rec, &canon, &clen)) != 0)
		goto out;
	if (clen + 1 != len || memcmp(canon, buf, clen) != 0 ||
	    buf[clen] != '\n') {
		ca_errf(eb, "%s: not in canonical form", name);
		r = CA_ERR_LOG;
		goto out;
	}
	if ((r = body_bytes(canon, clen, body, json_object_get(rec, "sigs"),
	    &bcanon, &blen)) != 0)
		goto out;
	ca_sha256_hex(bcanon, blen, hash);
	/* The signed bytes, so that a caller need not make them again. */
	if (bodyp != NULL) {
		*bodyp = bcanon;
		*body_len = blen;
		bcanon = NULL;
	}
	*out = rec;
	rec = NULL;
	r = 0;
out:
	json_decref(rec);
	free(canon);
	free(bcanon);
	free(buf);
	free(path);
	return r;
}

int
ca_log_head_read(const char *logdir, struct ca_log_head *head,
    struct ca_errbuf *eb)
{
	long long maxseq = 0;
	json_t *rec = NULL, *body;
	const char *s;
	int r;

	memset(head, 0, sizeof(*head));
	if ((r = ca_log_count(logdir, &maxseq, eb)) != 0 || maxseq == 0)
		return r;
	if ((r = ca_log_record_read(logdir, maxseq, &rec, head->hash, NULL,
	    NULL, eb)) != 0)
		return r;
	body = json_object_get(rec, "body");
	r = CA_ERR_LOG;
	if (json_integer_value(json_object_get(body, "seq")) != maxseq) {
		ca_errf(eb, "last record's seq is not %lld", maxseq);
		goto out;
	}
	if ((s = json_string_value(json_object_get(body, "time"))) == NULL ||
	    ca_time_parse(s, &head->time) != 0) {
		ca_errf(eb, "last record has no valid time");
		goto out;
	}
	if (maxseq == 1) {
		snprintf(head->log_id, sizeof(head->log_id), "%s", head->hash);
	} else if ((s = json_string_value(json_object_get(body, "log_id"))) ==
	    NULL || strlen(s) != 64) {
		ca_errf(eb, "last record has no log_id");
		goto out;
	} else {
		snprintf(head->log_id, sizeof(head->log_id), "%s", s);
	}
	head->seq = maxseq;
	r = 0;
out:
	json_decref(rec);
	return r;
}

int
ca_log_count(const char *logdir, long long *count, struct ca_errbuf *eb)
{
	long long maxseq = 0, n = 0;
	int r;

	*count = 0;
	if ((r = list_records(logdir, &maxseq, &n, eb)) != 0)
		return r;
	if (n != maxseq) {
		ca_errf(eb, "\"%s\" has %lld records numbered up to %lld",
		    logdir, n, maxseq);
		return CA_ERR_LOG;
	}
	*count = n;
	return 0;
}

int
ca_log_summary_head(const struct ca_log_summary *sum,
    struct ca_log_head *head)
{
	memset(head, 0, sizeof(*head));
	if (sum->count < 1 || ca_time_parse(sum->last_time, &head->time) != 0)
		return CA_ERR_LOG;
	head->seq = sum->count;
	memcpy(head->hash, sum->head, sizeof(head->hash));
	memcpy(head->log_id, sum->log_id, sizeof(head->log_id));
	return 0;
}

/* What the operator read from a trusted clock; 0: not confirmed. */
static time_t clock_typed;

int
ca_log_clock_confirm(time_t typed, time_t now, struct ca_errbuf *eb)
{
	char a[21], b[21];

	if (typed - now > CA_LOG_CONFIRM_SLACK ||
	    now - typed > CA_LOG_CONFIRM_SLACK) {
		if (ca_time_rfc3339(now, a) != 0 ||
		    ca_time_rfc3339(typed, b) != 0)
			a[0] = b[0] = '\0';
		ca_errf(eb, "the system clock reads %s, not the %s read from "
		    "the trusted clock; set the system clock (date -u -s) and "
		    "confirm again", a, b);
		return CA_ERR_CLOCK;
	}
	clock_typed = typed;
	return 0;
}

/* The clock's reading, far after the last record, as confirmed. */
static int
clock_deviation(json_t *b, time_t last, json_int_t days)
{
	char l[21], t[21];
	json_t *d;

	if (ca_time_rfc3339(last, l) != 0 ||
	    ca_time_rfc3339(clock_typed, t) != 0)
		return CA_ERR_CLOCK;
	if ((d = json_pack("{s:s, s:s, s:s, s:s, s:I}", "what", "the system "
	    "clock reads far after the last record", "why", "the operator "
	    "confirmed the time against a trusted clock", "confirmed_time",
	    t, "last_record", l, "days", days)) == NULL ||
	    json_object_set_new(b, "clock_deviation", d) != 0)
		return CA_ERR_NOMEM;
	return 0;
}

int
ca_log_body_new(const struct ca_log_head *head, time_t now, const char *op,
    json_t **out, struct ca_errbuf *eb)
{
	char ts[21], last[21];
	json_int_t days = 0;
	json_t *b;
	int r;

	*out = NULL;
	if (head->seq > 0 && ca_time_rfc3339(head->time, last) != 0)
		last[0] = '\0';
	if (ca_time_rfc3339(now, ts) != 0) {
		ca_errf(eb, "the system clock is not usable; set it (date -u "
		    "-s) before going on");
		return CA_ERR_CLOCK;
	}
	if (head->seq > 0 && now < head->time) {
		ca_errf(eb, "the clock reads %s, earlier than the last record "
		    "(%s); set the clock (date -u -s) before going on", ts,
		    last);
		return CA_ERR_CLOCK;
	}
	if (head->seq > 0)
		days = (json_int_t)((now - head->time) / 86400);
	if (days > CA_LOG_MAX_GAP_DAYS && clock_typed == 0) {
		ca_errf(eb, "the clock reads %s, %lld days after the last "
		    "record (%s); if that is right, confirm it with "
		    "--confirm-clock and the time from a trusted clock", ts,
		    (long long)days, last);
		return CA_ERR_CLOCK;
	}
	if ((b = json_pack("{s:s, s:i, s:I, s:s, s:s}",
	    "schema", CA_LOG_SCHEMA, "version", CA_LOG_VERSION,
	    "seq", (json_int_t)(head->seq + 1), "time", ts, "op", op)) == NULL)
		return CA_ERR_NOMEM;
	if (json_object_set_new(b, "prev", head->seq ?
	    json_string(head->hash) : json_null()) != 0 ||
	    json_object_set_new(b, "log_id", head->seq ?
	    json_string(head->log_id) : json_null()) != 0) {
		json_decref(b);
		return CA_ERR_NOMEM;
	}
	if (days > CA_LOG_MAX_GAP_DAYS &&
	    (r = clock_deviation(b, head->time, days)) != 0) {
		json_decref(b);
		return r;
	}
	*out = b;
	return 0;
}

/* The JOSE-style name of the signature scheme, for readers. */
static const char *
sig_alg_name(EVP_PKEY *pub, const EVP_MD *md)
{
	int ec = EVP_PKEY_get_base_id(pub) == EVP_PKEY_EC;

	if (EVP_MD_get_type(md) == NID_sha384)
		return ec ? "ES384" : "RS384";
	if (EVP_MD_get_type(md) == NID_sha256)
		return ec ? "ES256" : "RS256";
	return NULL;
}

static const EVP_MD *
md_for_alg_name(const char *alg, int *ec)
{
	*ec = alg[0] == 'E';
	if (strcmp(alg, "ES384") == 0 || strcmp(alg, "RS384") == 0)
		return EVP_sha384();
	if (strcmp(alg, "ES256") == 0 || strcmp(alg, "RS256") == 0)
		return EVP_sha256();
	return NULL;
}

int
ca_log_seal(const json_t *body, EVP_PKEY *signer, EVP_PKEY *pub, char **rec,
    size_t *len, char hash[65], struct ca_errbuf *eb)
{
	return ca_log_seal_with(body, ca_sign_evp, signer, pub, rec, len, hash,
	    eb);
}

int
ca_log_seal_with(const json_t *body, ca_sign_fn sign, void *arg,
    EVP_PKEY *pub, char **rec, size_t *len, char hash[65],
    struct ca_errbuf *eb)
{
	char *canon = NULL, *scanon = NULL, *b64 = NULL, *out = NULL, kid[65];
	size_t clen = 0, slen = 0, siglen = 0, olen;
	unsigned char *sig = NULL;
	EVP_MD_CTX *mctx = NULL;
	const EVP_MD *md;
	const char *alg;
	json_t *sigs = NULL;
	int r = CA_ERR_INTERNAL;

	*rec = NULL;
	if ((r = ca_json_canon(body, &canon, &clen, eb)) != 0)
		goto out;
	/* Never a record that no reader would take. */
	if (clen > CA_LOG_MAX_RECORD / 2) {
		ca_errf(eb, "the record would be %zu bytes; "
		    "records are at most %d", clen, CA_LOG_MAX_RECORD / 2);
		r = CA_ERR_INVALID_ARG;
		goto out;
	}
	if ((md = ca_md_for_key(pub)) == NULL ||
	    (alg = sig_alg_name(pub, md)) == NULL) {
		r = CA_ERR_ALGORITHM;
		goto out;
	}
	if ((r = ca_spki_sha256(pub, kid)) != 0)
		goto out;
	if ((r = sign(arg, md, (const unsigned char *)canon, clen, &sig,
	    &siglen, eb)) != 0)
		goto out;
	/* Verify before writing: a token that signs wrongly stops here. */
	if ((mctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit(mctx, NULL, md, NULL, pub) != 1 ||
	    EVP_DigestVerify(mctx, sig, siglen, (unsigned char *)canon,
	    clen) != 1) {
		ERR_clear_error();
		ca_errf(eb, "the record signature does not verify");
		r = CA_ERR_VERIFY;
		goto out;
	}
	if ((r = ca_b64_encode(sig, siglen, &b64)) != 0)
		goto out;
	r = CA_ERR_NOMEM;
	if ((sigs = json_pack("[{s:s, s:s, s:s}]", "kid", kid, "alg", alg,
	    "sig", b64)) == NULL)
		goto out;
	if ((r = ca_json_canon(sigs, &scanon, &slen, eb)) != 0)
		goto out;
	/*
	 * The record's canonical form, {"body":BODY,"sigs":SIGS} (keys
	 * sorted, nothing between), put together from the body's canonical
	 * bytes: a batch's body is megabytes, and is checked and written
	 * out once.  Every reader checks that a record file is exactly its
	 * canonical form (ca_log_record_read).  One record per file,
	 * newline-terminated, so jq reads it.
	 */
	olen = HEAD_LEN + clen + MID_LEN + slen + 2;
	if ((out = malloc(olen + 1)) == NULL) {
		r = CA_ERR_NOMEM;
		goto out;
	}
	memcpy(out, rec_head, HEAD_LEN);
	memcpy(out + HEAD_LEN, canon, clen);
	memcpy(out + HEAD_LEN + clen, rec_mid, MID_LEN);
	memcpy(out + HEAD_LEN + clen + MID_LEN, scanon, slen);
	out[olen - 2] = '}';
	out[olen - 1] = '\n';
	out[olen] = '\0';
	ca_sha256_hex(canon, clen, hash);
	*rec = out;
	*len = olen;
	out = NULL;
	r = 0;
out:
	EVP_MD_CTX_free(mctx);
	OPENSSL_free(sig);
	json_decref(sigs);
	free(canon);
	free(scanon);
	free(b64);
	free(out);
	return r;
}

int
ca_log_signer_key(struct ca_log_signer *s, EVP_PKEY *pub)
{
	memset(s, 0, sizeof(*s));
	if ((s->pub = pub) == NULL || ca_spki_sha256(s->pub, s->kid) != 0) {
		ERR_clear_error();
		return CA_ERR_CRYPTO;
	}
	return 0;
}

int
ca_log_signer_init(struct ca_log_signer *s, X509 *cert)
{
	return ca_log_signer_key(s, X509_get0_pubkey(cert));
}

/*
 * The key ids are worked out once per log, not once per record: the
 * encoder behind them costs as much as a hash of the record.
 */
static int
verify_sig(const char *name, const json_t *sigs, const char *canon,
    size_t clen, const struct ca_log_signer *signers, size_t nsigners,
    struct ca_errbuf *eb)
{
	const char *kid, *alg, *b64;
	unsigned char *sig = NULL;
	size_t siglen = 0, i;
	EVP_MD_CTX *mctx = NULL;
	EVP_PKEY *pub = NULL;
	const EVP_MD *md;
	json_t *s0;
	int ec, r = CA_ERR_LOG;

	if (json_array_size(sigs) < 1 ||
	    !json_is_object(s0 = json_array_get(sigs, 0)) ||
	    (kid = json_string_value(json_object_get(s0, "kid"))) == NULL ||
	    (alg = json_string_value(json_object_get(s0, "alg"))) == NULL ||
	    (b64 = json_string_value(json_object_get(s0, "sig"))) == NULL) {
		ca_errf(eb, "%s: no signature", name);
		return CA_ERR_LOG;
	}
	for (i = 0; i < nsigners && pub == NULL; i++)
		if (strcmp(signers[i].kid, kid) == 0)
			pub = signers[i].pub;
	if (pub == NULL) {
		ca_errf(eb, "%s: signed by unknown key %.16s...", name, kid);
		goto out;
	}
	/*
	 * The scheme is the key's own (ca_md_for_key), not whatever the
	 * record names: an ES256 signature by a P-384 key is refused.
	 */
	if ((md = md_for_alg_name(alg, &ec)) == NULL ||
	    ec != (EVP_PKEY_get_base_id(pub) == EVP_PKEY_EC) ||
	    ca_md_for_key(pub) == NULL ||
	    EVP_MD_get_type(ca_md_for_key(pub)) != EVP_MD_get_type(md)) {
		ca_errf(eb, "%s: signature algorithm \"%s\" does not fit the "
		    "key", name, alg);
		goto out;
	}
	if (ca_b64_decode(b64, &sig, &siglen) != 0) {
		ca_errf(eb, "%s: signature is not base64", name);
		goto out;
	}
	if ((mctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit(mctx, NULL, md, NULL, pub) != 1 ||
	    EVP_DigestVerify(mctx, sig, siglen, (const unsigned char *)canon,
	    clen) != 1) {
		ca_errf(eb, "%s: signature does not verify", name);
		goto out;
	}
	r = 0;
out:
	ERR_clear_error();
	EVP_MD_CTX_free(mctx);
	free(sig);
	return r;
}

int
ca_log_verify(const char *logdir, X509 *const *signers, size_t nsigners,
    struct ca_log_summary *sum, struct ca_errbuf *eb)
{
	return ca_log_verify_each(logdir, signers, nsigners, sum, NULL, NULL,
	    eb);
}

int
ca_log_verify_each(const char *logdir, X509 *const *signers,
    size_t nsigners, struct ca_log_summary *sum, ca_log_fn fn, void *arg,
    struct ca_errbuf *eb)
{
	struct ca_log_signer *ks;
	size_t k;
	int r;

	if ((ks = calloc(nsigners + 1, sizeof(*ks))) == NULL)
		return CA_ERR_NOMEM;
	for (k = 0; k < nsigners; k++)
		if ((r = ca_log_signer_init(&ks[k], signers[k])) != 0) {
			free(ks);
			return r;
		}
	r = ca_log_verify_keys(logdir, ks, nsigners, CA_LOG_EVERY_SIG, sum, fn,
	    arg, eb);
	free(ks);
	return r;
}

/*
 * The expensive part of verifying a log is per record and independent:
 * reading, parsing, the canonical check, the hash and above all the
 * signature (half a millisecond for P-384).  So a window of records is
 * read and verified on several threads, and only then walked in order on
 * the calling thread, which checks the chain and hands each body to fn,
 * after its signature has verified, as before.  The first failure in
 * record order is the one reported, with the same message a single
 * thread would give.  The window is bounded in records and in bytes: a
 * batch's record may be tens of megabytes, and several times that once
 * parsed, so a window holds only a few of those.
 */
#define VERIFY_THREADS_MAX	8
#define VERIFY_WINDOW_BYTES	(16L << 20)

struct vslot {
	long long seq;
	json_t *rec;
	char hash[65];
	int read_r, sig_r;
	struct ca_errbuf read_eb, sig_eb;
};

struct vwindow {
	const char *logdir;
	const struct ca_log_signer *ks;
	size_t nsigners;
	long long sig_from;		/* signatures checked from here on */
	struct vslot *slots;
	size_t n;
	_Atomic size_t next;
};

static void
vslot_verify(const struct vwindow *w, struct vslot *v)
{
	char name[32], *canon = NULL;
	size_t clen = 0;

	ca_log_record_name(v->seq, name);
	v->read_r = ca_log_record_read(w->logdir, v->seq, &v->rec, v->hash,
	    &canon, &clen, &v->read_eb);
	if (v->read_r == 0 && v->seq >= w->sig_from)
		v->sig_r = verify_sig(name, json_object_get(v->rec, "sigs"),
		    canon, clen, w->ks, w->nsigners, &v->sig_eb);
	free(canon);
}

static void *
vworker(void *arg)
{
	struct vwindow *w = arg;
	size_t i;

	while ((i = w->next++) < w->n)
		vslot_verify(w, &w->slots[i]);
	return NULL;
}

/* Verify w's records on up to nthreads threads, this one among them. */
static void
vwindow_run(struct vwindow *w, size_t nthreads)
{
	pthread_t tid[VERIFY_THREADS_MAX];
	size_t t, started = 0;

	w->next = 0;
	if (nthreads > w->n)
		nthreads = w->n;
	/* A thread that cannot start leaves its share to the others. */
	for (t = 1; t < nthreads; t++)
		if (pthread_create(&tid[started], NULL, vworker, w) == 0)
			started++;
	vworker(w);
	for (t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
}

/* Records from seq on, as many as the window takes; at least one. */
static size_t
vwindow_fill(struct vwindow *w, long long seq, long long maxseq,
    size_t cap)
{
	char name[32], *path;
	long bytes = 0;
	struct stat st;
	size_t n = 0;

	while (n < cap && seq <= maxseq && bytes < VERIFY_WINDOW_BYTES) {
		ca_log_record_name(seq, name);
		if ((path = ca_path_join(w->logdir, name)) != NULL &&
		    stat(path, &st) == 0)
			bytes += st.st_size;
		free(path);
		memset(&w->slots[n], 0, sizeof(w->slots[n]));
		w->slots[n++].seq = seq++;
	}
	w->n = n;
	return n;
}

static void
vwindow_clear(struct vwindow *w)
{
	size_t i;

	for (i = 0; i < w->n; i++) {
		json_decref(w->slots[i].rec);
		w->slots[i].rec = NULL;
	}
	w->n = 0;
}

static void
eb_copy(struct ca_errbuf *eb, const struct ca_errbuf *from)
{
	if (eb != NULL)
		memcpy(eb, from, sizeof(*eb));
}

int
ca_log_verify_keys(const char *logdir, const struct ca_log_signer *ks,
    size_t nsigners, enum ca_log_check check, struct ca_log_summary *sum,
    ca_log_fn fn, void *arg, struct ca_errbuf *eb)
{
	long long maxseq = 0, count = 0, seq, next = 1;
	struct vwindow w = { logdir, ks, nsigners, 1, NULL, 0, 0 };
	struct vslot *v;
	json_t *body, *val;
	char prev[65] = "", log_id[65] = "", name[32];
	char first[21] = "", last[21] = "";
	size_t nthreads = (size_t)ca_env_processors(VERIFY_THREADS_MAX);
	size_t cap, i = 0;
	time_t t, tprev = 0;
	const char *s;
	int r;

	if ((r = list_records(logdir, &maxseq, &count, eb)) != 0)
		return r;
	r = CA_ERR_LOG;
	if (count == 0) {
		ca_errf(eb, "\"%s\" holds no records", logdir);
		goto out;
	}
	if (count != maxseq) {
		ca_errf(eb, "records are missing: %lld files numbered up to "
		    "%lld", count, maxseq);
		goto out;
	}
	if (check == CA_LOG_HEAD_SIG)
		w.sig_from = maxseq;
	cap = nthreads * 4;
	if ((w.slots = calloc(cap, sizeof(*w.slots))) == NULL) {
		r = CA_ERR_NOMEM;
		goto out;
	}
	/* Parsing on other threads: jansson seeds its hash tables once. */
	json_object_seed(0);
	for (seq = 1; seq <= maxseq; seq++) {
		if (seq == next) {
			vwindow_clear(&w);
			next = seq + (long long)vwindow_fill(&w, seq, maxseq,
			    cap);
			vwindow_run(&w, nthreads);
			i = 0;
		}
		v = &w.slots[i++];
		ca_log_record_name(seq, name);
		if (v->read_r != 0) {
			eb_copy(eb, &v->read_eb);
			r = CA_ERR_LOG;
			goto out;
		}
		body = json_object_get(v->rec, "body");
		r = CA_ERR_LOG;
		if ((s = json_string_value(json_object_get(body, "schema"))) ==
		    NULL || strcmp(s, CA_LOG_SCHEMA) != 0) {
			ca_errf(eb, "%s: schema is not \"%s\"", name,
			    CA_LOG_SCHEMA);
			goto out;
		}
		val = json_object_get(body, "version");
		if (!json_is_integer(val) ||
		    json_integer_value(val) != CA_LOG_VERSION) {
			ca_errf(eb, "%s: unsupported version", name);
			goto out;
		}
		val = json_object_get(body, "seq");
		if (!json_is_integer(val) || json_integer_value(val) != seq) {
			ca_errf(eb, "%s: seq is not %lld", name, seq);
			goto out;
		}
		val = json_object_get(body, "prev");
		if (seq == 1 ? !json_is_null(val) : (json_string_value(val) ==
		    NULL || strcmp(json_string_value(val), prev) != 0)) {
			ca_errf(eb, "%s: prev does not match the previous "
			    "record", name);
			goto out;
		}
		val = json_object_get(body, "log_id");
		if (seq == 1 ? !json_is_null(val) : (json_string_value(val) ==
		    NULL || strcmp(json_string_value(val), log_id) != 0)) {
			ca_errf(eb, "%s: log_id does not match the first "
			    "record", name);
			goto out;
		}
		if ((s = json_string_value(json_object_get(body, "time"))) ==
		    NULL || ca_time_parse(s, &t) != 0) {
			ca_errf(eb, "%s: time is not YYYY-MM-DDTHH:MM:SSZ",
			    name);
			goto out;
		}
		if (seq > 1 && t < tprev) {
			ca_errf(eb, "%s: time goes backwards", name);
			goto out;
		}
		if (json_string_value(json_object_get(body, "op")) == NULL) {
			ca_errf(eb, "%s: no op", name);
			goto out;
		}
		if ((r = v->sig_r) != 0) {
			eb_copy(eb, &v->sig_eb);
			goto out;
		}
		if (seq == 1) {
			memcpy(log_id, v->hash, sizeof(log_id));
			memcpy(first, s, sizeof(first));
		}
		memcpy(last, s, sizeof(last));
		memcpy(prev, v->hash, sizeof(prev));
		tprev = t;
		/* Callers that need the records see them here, verified. */
		if (fn != NULL && (r = fn(arg, seq, body)) < 0)
			goto out;
		json_decref(v->rec);
		v->rec = NULL;
	}
	if (sum != NULL) {
		sum->count = maxseq;
		memcpy(sum->head, prev, sizeof(sum->head));
		memcpy(sum->log_id, log_id, sizeof(sum->log_id));
		memcpy(sum->first_time, first, sizeof(first));
		memcpy(sum->last_time, last, sizeof(last));
	}
	r = 0;
out:
	vwindow_clear(&w);
	free(w.slots);
	return r;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Unsorted, while the log is read; sorted once at the end. */
static int
set_push(struct ca_serial_set *set, const char *serial)
{
	char **v;

	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 64;

		if ((v = realloc(set->v, cap * sizeof(*v))) == NULL)
			return CA_ERR_NOMEM;
		set->v = v;
		set->cap = cap;
	}
	if ((set->v[set->n] = strdup(serial)) == NULL)
		return CA_ERR_NOMEM;
	set->n++;
	return 0;
}

static int
collect(const json_t *v, struct ca_serial_set *set)
{
	const char *key;
	json_t *c;
	size_t i;
	int r;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, c) {
			if (strcmp(key, "serial") == 0 && json_is_string(c)) {
				if ((r = set_push(set, json_string_value(c))) !=
				    0)
					return r;
			} else if ((r = collect(c, set)) != 0) {
				return r;
			}
		}
	} else if (json_is_array(v)) {
		json_array_foreach((json_t *)v, i, c)
			if ((r = collect(c, set)) != 0)
				return r;
	}
	return 0;
}

int
ca_serials_collect(const json_t *body, struct ca_serial_set *set)
{
	return collect(body, set);
}

void
ca_serial_set_sort(struct ca_serial_set *set)
{
	size_t i, k;

	if (set->n == 0)
		return;
	qsort(set->v, set->n, sizeof(*set->v), cmp_str);
	/* A serial named again (revoked, installed) is still one serial. */
	for (i = 1, k = 1; i < set->n; i++) {
		if (strcmp(set->v[i], set->v[k - 1]) == 0)
			free(set->v[i]);
		else
			set->v[k++] = set->v[i];
	}
	set->n = k;
}

static int
serials_visit(void *arg, long long seq, const json_t *body)
{
	(void)seq;
	return collect(body, arg);
}

int
ca_log_serials(const char *logdir, long long count,
    struct ca_serial_set *set, struct ca_errbuf *eb)
{
	int r;

	if ((r = ca_log_each(logdir, count, serials_visit, set, eb)) != 0)
		return r;
	ca_serial_set_sort(set);
	return 0;
}

int
ca_serial_set_has(const struct ca_serial_set *set, const char *serial)
{
	if (set->n == 0)
		return 0;
	return bsearch(&serial, set->v, set->n, sizeof(*set->v), cmp_str) !=
	    NULL;
}

void
ca_serial_set_free(struct ca_serial_set *set)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		free(set->v[i]);
	free(set->v);
	memset(set, 0, sizeof(*set));
}

int
ca_log_each(const char *logdir, long long count, ca_log_fn fn, void *arg,
    struct ca_errbuf *eb)
{
	char hash[65];
	json_t *rec = NULL;
	long long seq;
	int r;

	for (seq = 1; seq <= count; seq++) {
		if ((r = ca_log_record_read(logdir, seq, &rec, hash, NULL,
		    NULL, eb)) != 0)
			return r;
		r = fn(arg, seq, json_object_get(rec, "body"));
		json_decref(rec);
		if (r != 0)
			return r < 0 ? r : 0;
	}
	return 0;
}

int
ca_log_record_sig(const json_t *rec, const char *canon, size_t clen,
    const struct ca_log_signer *signers, size_t nsigners,
    struct ca_errbuf *eb)
{
	char *own = NULL, name[32];
	const json_t *v;
	int r;

	v = json_object_get(json_object_get(rec, "body"), "seq");
	ca_log_record_name(json_is_integer(v) ? json_integer_value(v) : 0,
	    name);
	if (canon == NULL) {
		if ((r = ca_json_canon(json_object_get(rec, "body"), &own,
		    &clen, eb)) != 0)
			return r;
		canon = own;
	}
	r = verify_sig(name, json_object_get(rec, "sigs"), canon, clen,
	    signers, nsigners, eb);
	free(own);
	return r;
}
